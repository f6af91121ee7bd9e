/* siteselect live map: re-scores and re-ranks a run in the browser while the planner drags.
 *
 * The engine repeats the Python engine's formulas exactly:
 *   curves      siteselect/factors.py   (linear, sigmoid sin², j-shaped; increasing / decreasing /
 *                                          symmetric; piecewise = numpy.interp; nodata)
 *   weights     siteselect/weights.py   (direct: v / Σv; AHP: principal eigenvector, CR = CI / RI,
 *                                          refused above 0.10 unless allow_inconsistent)
 *   grid        siteselect/pipeline.py  (scenario weights × (1 − grid.weight), grid score as a factor)
 *   aggregation siteselect/overlay.py   (WLC; OWA with order weights, stable descending order)
 *   ranking     pandas rank(method="min", ascending=False) over the sites not excluded
 * Sums use numpy's pairwise summation so that scores match to the last bit where possible.
 * Exclusions were decided in Python; rules (constraints, limits) are only switched off / on.
 *
 * API (window.siteselect, present once the map has loaded):
 *   setWeights({factor: value, ...})   direct weights (any positive numbers; normalised)
 *   setAhp(matrix)                     AHP judgements (n × n, order = the scenario's weights.ahp.order)
 *   setGridWeight(w)                   grid.weight in [0, 1)
 *   setAggregation("wlc" | "owa", orderWeights?)
 *   setCurve(factor, {shape, direction, points})
 *   setConstraint(id, on)              a constraint id, or a limits key such as "max_port_minutes"
 *   reset()                            back to the run's scenario
 *   ranking()   [{site_id, name, rank, score, excluded, exclusion_reason, run_rank, approx}] best first
 *   state()     the current changes (what the URL hash holds)
 *   setState(s) apply a state() object
 *   exportYaml()  the adjusted scenario as YAML text (siteselect run reproduces this ranking)
 *   exportCsv()   the current ranking as CSV text, cells neutralised against formulas
 *   ahp()       {weights, cr, lambda_max, worst_pair} of the current matrix (AHP scenarios)
 *   orness()    orness of the current OWA order weights
 * Setters throw an Error with a message (and change nothing) when the engine would refuse the value.
 * Every text from the data is put on the page with textContent, never as HTML. */
(function () {
  "use strict";

  var RANDOM_INDEX = [0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59];
  var MAX_CR = 0.10;
  // the scenario's own bounds (siteselect/scenario.py: MAX_WEIGHT, MAX_FUZZY_POINT, MAX_PIECEWISE_POINTS)
  var MAX_WEIGHT = 1e6, MAX_FUZZY_POINT = 1e9, MAX_PIECEWISE_POINTS = 16;
  var LIMIT_ORDER = ["max_port_minutes", "max_motorway_minutes", "max_rail_minutes", "min_workers_45min"];
  var HALF_PI = Math.PI / 2.0;

  // ---------------------------------------------------------------- numerics

  /* numpy's pairwise sum of a[off], a[off+step], … (n values), as in its add.reduce loop. */
  function pairwiseSum(a, off, n, step) {
    var i, res;
    if (n < 8) {
      res = 0.0;
      for (i = 0; i < n; i++) { res += a[off + i * step]; }
      return res;
    }
    if (n <= 128) {
      var r0 = a[off], r1 = a[off + step], r2 = a[off + 2 * step], r3 = a[off + 3 * step],
        r4 = a[off + 4 * step], r5 = a[off + 5 * step], r6 = a[off + 6 * step], r7 = a[off + 7 * step];
      var m = n - (n % 8);
      for (i = 8; i < m; i += 8) {
        var b = off + i * step;
        r0 += a[b]; r1 += a[b + step]; r2 += a[b + 2 * step]; r3 += a[b + 3 * step];
        r4 += a[b + 4 * step]; r5 += a[b + 5 * step]; r6 += a[b + 6 * step]; r7 += a[b + 7 * step];
      }
      res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
      for (; i < n; i++) { res += a[off + i * step]; }
      return res;
    }
    var n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwiseSum(a, off, n2, step) + pairwiseSum(a, off + n2 * step, n - n2, step);
  }

  function clip01(v) { return v < 0 ? 0.0 : (v > 1 ? 1.0 : v); }
  function ramp(x, a, b) { return clip01((x - a) / (b - a)); }
  var RISE = {
    linear: function (x, a, b) { return ramp(x, a, b); },
    sigmoid: function (x, a, b) { var s = Math.sin(ramp(x, a, b) * HALF_PI); return s * s; },
    jshaped: function (x, a, b) { var t = Math.min(x - b, 0.0) / (b - a); return 1.0 / (1.0 + t * t); }
  };

  /* numpy.interp(x, xp, fp) for increasing xp. */
  function interp(x, xp, fp) {
    var n = xp.length;
    if (x !== x) { return NaN; }
    if (x < xp[0]) { return fp[0]; }
    if (x > xp[n - 1]) { return fp[n - 1]; }
    if (x === xp[n - 1]) { return fp[n - 1]; }
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xp[mid] <= x) { lo = mid; } else { hi = mid; } }
    var slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]);
    var y = slope * (x - xp[lo]) + fp[lo];
    if (y !== y) {
      y = slope * (x - xp[lo + 1]) + fp[lo + 1];
      if (y !== y && fp[lo] === fp[lo + 1]) { y = fp[lo]; }
    }
    return y;
  }

  /* One fuzzy curve as a function of x (siteselect.analysis.factors.standardise_fuzzy). */
  function curveFunction(fz) {
    var p = fz.points;
    if (fz.shape === "piecewise") {
      var xp = p.map(function (q) { return Number(q[0]); }), fp = p.map(function (q) { return Number(q[1]); });
      return function (x) { return interp(x, xp, fp); };
    }
    var rise = RISE[fz.shape];
    var dir = fz.direction || "increasing";
    var a = Number(p[0]), b = Number(p[1]);
    if (dir === "increasing") { return function (x) { return rise(x, a, b); }; }
    if (dir === "decreasing") { return function (x) { return rise(-x, -b, -a); }; }
    var c = Number(p[2]), d = Number(p[3]);
    return function (x) { return x <= b ? rise(x, a, b) : rise(-x, -d, -c); };
  }

  /* The problems the scenario validation would report for a curve ([] when fine). */
  function curveProblems(name, fz) {
    var where = "factors." + name + ".fuzzy";
    if (!fz || typeof fz !== "object" || !Array.isArray(fz.points)) { return [where + ": needs shape and points"]; }
    if (fz.shape === "piecewise") {
      if (fz.direction !== undefined && fz.direction !== null) { return [where + ".direction: not used by shape piecewise; remove it"]; }
      if (fz.points.length < 2 || !fz.points.every(function (q) { return Array.isArray(q) && q.length === 2 && typeof q[0] === "number" && typeof q[1] === "number" && isFinite(q[0]) && isFinite(q[1]); })) {
        return [where + ".points: at least 2 [x, y] pairs of numbers"];
      }
      if (fz.points.length > MAX_PIECEWISE_POINTS) { return [where + ".points: at most " + MAX_PIECEWISE_POINTS + " [x, y] pairs"]; }
      if (fz.points.some(function (q) { return Math.abs(q[0]) > MAX_FUZZY_POINT; })) { return [where + ".points: control points within ±1e9"]; }
      for (var i = 0; i < fz.points.length; i++) {
        if (fz.points[i][1] < 0 || fz.points[i][1] > 1) { return [where + ".points: y in [0, 1]"]; }
        if (i && !(fz.points[i][0] > fz.points[i - 1][0])) { return [where + ".points: strictly increasing x"]; }
      }
      return [];
    }
    if (!(fz.shape in RISE)) { return [where + ".shape: one of linear, sigmoid, jshaped, piecewise"]; }
    var need = fz.direction === "symmetric" ? 4 : 2;
    if (["increasing", "decreasing", "symmetric"].indexOf(fz.direction) < 0) { return [where + ".direction: increasing, decreasing or symmetric"]; }
    if (fz.points.length !== need || !fz.points.every(function (v) { return typeof v === "number" && isFinite(v) && Math.abs(v) <= MAX_FUZZY_POINT; })) {
      return [where + ".points: " + need + " numbers within ±1e9"];
    }
    for (var k = 1; k < need; k++) { if (!(fz.points[k] > fz.points[k - 1])) { return [where + ".points: strictly increasing control points"]; } }
    return [];
  }

  /* Principal eigenvector (sum 1), λmax, CR and the worst pair of a pairwise matrix (siteselect.weights.ahp_weights). */
  function ahpWeights(matrix, labels) {
    var n = labels.length, i, j, it;
    var w = new Float64Array(n), nw = new Float64Array(n);
    for (i = 0; i < n; i++) { w[i] = 1 / n; }
    var lam = n;
    for (it = 0; it < 5000; it++) {
      var tot = 0;
      for (i = 0; i < n; i++) { var s = 0; for (j = 0; j < n; j++) { s += matrix[i][j] * w[j]; } nw[i] = s; tot += s; }
      lam = tot;  // Σ (A w)_i with Σ w = 1
      var diff = 0;
      for (i = 0; i < n; i++) { nw[i] /= tot; diff = Math.max(diff, Math.abs(nw[i] - w[i])); w[i] = nw[i]; }
      if (diff < 1e-16) { break; }
    }
    var ci = n > 2 ? Math.max((lam - n) / (n - 1), 0) : 0;
    var ri = RANDOM_INDEX[n] || 0;
    var cr = ri > 0 ? ci / ri : 0;
    var worst = null, worstRatio = 1, best = -1;
    for (i = 0; i < n; i++) {
      for (j = i + 1; j < n; j++) {
        var dev = matrix[i][j] * (w[j] / w[i]);
        var ld = Math.abs(Math.log(dev));
        if (ld > best) { best = ld; worst = [labels[i], labels[j]]; worstRatio = dev; }
      }
    }
    var weights = {};
    for (i = 0; i < n; i++) { weights[labels[i]] = w[i]; }
    return { weights: weights, lambda_max: lam, ci: ci, ri: ri, cr: cr, worst_pair: worst, worst_ratio: worstRatio };
  }

  function orness(v) {
    var n = v.length;
    if (n === 1) { return 0.5; }
    var s = 0;
    for (var k = 1; k <= n; k++) { s += (n - k) / (n - 1) * v[k - 1]; }
    return s;
  }

  function clone(v) { return JSON.parse(JSON.stringify(v)); }

  // ---------------------------------------------------------------- engine

  function Engine(model) {
    this.model = model;
    this.n = model.sites.id.length;
    this.factors = model.factors;
    this.base = this.initialState();
    this.st = clone(this.base);
    this.compute();
  }

  Engine.prototype.initialState = function () {
    var sc = this.model.scenario, st = { curves: {}, off: [] };
    this.factors.forEach(function (f) { if (f.editable) { st.curves[f.name] = clone(f.fuzzy); } });
    var w = sc.weights || {};
    if (w.method === "ahp") {
      st.weights = { method: "ahp", order: clone(w.ahp.order), matrix: clone(w.ahp.matrix) };
    } else {
      st.weights = { method: "direct", values: clone(w.values) };
    }
    var ag = sc.aggregation || { method: "wlc" };
    st.aggregation = { method: ag.method || "wlc" };
    if (ag.order_weights) { st.aggregation.order_weights = clone(ag.order_weights); }
    st.grid_weight = this.model.grid ? this.model.grid.weight : null;
    return st;
  };

  /* Factor names in scoring order and their weights (sum 1). */
  Engine.prototype.weights = function (st) {
    var names = this.factors.map(function (f) { return f.name; });
    var w = {}, i;
    if (st.weights.method === "ahp") {
      var res = ahpWeights(st.weights.matrix, st.weights.order);
      names.forEach(function (nm) { w[nm] = res.weights[nm]; });
    } else {
      var vals = st.weights.values, total = 0;
      Object.keys(vals).forEach(function (k) { total += vals[k]; });
      names.forEach(function (nm) { w[nm] = vals[nm] / total; });
    }
    var out = names.map(function (nm) { return w[nm]; });
    var grid = this.model.grid;
    if (grid && st.grid_weight > 0) {
      var keep = 1.0 - st.grid_weight;
      for (i = 0; i < out.length; i++) { out[i] = out[i] * keep; }
      names = names.concat([grid.name]);
      out.push(st.grid_weight);
    }
    return { names: names, w: out };
  };

  /* Problems the Python engine would raise for this state ([] when it runs). */
  Engine.prototype.problems = function (st) {
    var probs = [], self = this;
    Object.keys(st.curves).forEach(function (nm) { probs = probs.concat(curveProblems(nm, st.curves[nm])); });
    if (st.weights.method === "ahp") {
      var m = st.weights.matrix, n = st.weights.order.length, ok = Array.isArray(m) && m.length === n;
      for (var i = 0; ok && i < n; i++) {
        ok = Array.isArray(m[i]) && m[i].length === n;
        for (var j = 0; ok && j < n; j++) {
          ok = typeof m[i][j] === "number" && isFinite(m[i][j]) && m[i][j] > 0;
          if (ok && Math.abs(m[i][j] * m[j][i] - 1) > 0.02) { ok = false; }
        }
      }
      if (!ok) { probs.push("weights.ahp.matrix: positive reciprocal " + n + " × " + n + " numbers"); }
      else {
        var res = ahpWeights(m, st.weights.order);
        if (res.cr > MAX_CR && !(this.model.scenario.weights || {}).allow_inconsistent) {
          probs.push("weights.ahp: consistency ratio CR = " + res.cr.toFixed(3) + " exceeds 0.10; the most inconsistent judgement is " +
            res.worst_pair[0] + " vs " + res.worst_pair[1]);
        }
      }
    } else {
      var vals = st.weights.values || {};
      this.factors.forEach(function (f) {
        var v = vals[f.name];
        if (typeof v !== "number" || !isFinite(v) || !(v > 0) || v > MAX_WEIGHT) {
          probs.push("weights.values." + f.name + ": a number > 0 and up to 1e6 (weights are relative)");
        }
      });
      Object.keys(vals).forEach(function (k) {
        if (!self.factors.some(function (f) { return f.name === k; })) { probs.push("weights.values." + k + ": not a factor"); }
      });
    }
    if (this.model.grid && !(typeof st.grid_weight === "number" && st.grid_weight >= 0 && st.grid_weight < 1)) {
      probs.push("grid.weight: a number in [0, 1)");
    }
    if (st.aggregation.method === "owa") {
      var k = this.weights(st).names.length, ow = st.aggregation.order_weights, sum = 0;
      if (!Array.isArray(ow) || ow.length !== k || !ow.every(function (v) { sum += v; return typeof v === "number" && v >= 0; }) ||
          Math.abs(sum - 1) > 1e-6) {
        probs.push("aggregation.order_weights: " + k + " values ≥ 0 summing to 1");
      }
    } else if (st.aggregation.method !== "wlc") {
      probs.push("aggregation.method: wlc or owa");
    }
    return probs;
  };

  Engine.prototype.ruleIndex = function (id) {
    var rules = this.model.rules;
    for (var i = 0; i < rules.length; i++) { if (rules[i].id === id) { return i; } }
    return -1;
  };

  /* Re-score and re-rank every site from the current state. */
  Engine.prototype.compute = function () {
    var st = this.st, n = this.n, S = this.model.sites, i, j;
    var ww = this.weights(st), names = ww.names, k = names.length, w = ww.w;
    // standardised values, row-major n × k
    var z = this.z && this.z.length === n * k ? this.z : new Float64Array(n * k);
    for (j = 0; j < k; j++) {
      var nm = names[j], fz = st.curves[nm];
      if (fz) {
        var f = curveFunction(fz), raw = S.raw[nm], nd = this.factorByName(nm).nodata;
        var fill = nd === "exclude" || nd === null || nd === undefined ? NaN : Number(nd);
        for (i = 0; i < n; i++) { var x = raw[i]; z[i * k + j] = x === null ? fill : f(x); }
      } else {
        var sd = S.std[nm];
        for (i = 0; i < n; i++) { z[i * k + j] = sd[i] === null ? NaN : sd[i]; }
      }
    }
    // exclusions (only when the rules switched off changed)
    var offKey = JSON.stringify(st.off);
    if (offKey !== this.offKey) { this.exclusions(st.off); this.offKey = offKey; }
    var excluded = this.excluded;
    // aggregation (siteselect.analysis.overlay.score_table)
    var eff = this.eff && this.eff.length === n * k ? this.eff : new Float64Array(n * k);
    var contrib = this.contrib && this.contrib.length === n * k ? this.contrib : new Float64Array(n * k);
    var score = this.score && this.score.length === n ? this.score : new Float64Array(n);
    var owa = st.aggregation.method === "owa", v = owa ? st.aggregation.order_weights : null;
    var uv = new Float64Array(k), idx = new Int32Array(k), rowz = new Float64Array(k);
    for (i = 0; i < n; i++) {
      var base = i * k, missing = false;
      if (owa) {
        for (j = 0; j < k; j++) { idx[j] = j; var zz = z[base + j]; rowz[j] = zz !== zz ? -Infinity : zz; }
        for (var ii = 1; ii < k; ii++) {  // stable insertion sort, descending (numpy argsort kind="stable" of −z)
          var cur = idx[ii], cv = rowz[cur], jj = ii - 1;
          while (jj >= 0 && rowz[idx[jj]] < cv) { idx[jj + 1] = idx[jj]; jj--; }
          idx[jj + 1] = cur;
        }
        for (var rr = 0; rr < k; rr++) { uv[idx[rr]] = w[idx[rr]] * v[rr]; }
        var tot = pairwiseSum(uv, 0, k, 1);
        for (j = 0; j < k; j++) { eff[base + j] = tot > 0 ? uv[j] / tot : NaN; }
      } else {
        for (j = 0; j < k; j++) { eff[base + j] = w[j]; }
      }
      for (j = 0; j < k; j++) {
        var zj = z[base + j];
        if (zj !== zj) { missing = true; }
        contrib[base + j] = eff[base + j] * zj;
      }
      score[i] = missing ? NaN : pairwiseSum(contrib, base, k, 1);
    }
    // ranks: pandas rank(ascending=False, method="min") over the kept sites = 1 + how many score higher
    var nk = 0, keptScores = this.keptScores && this.keptScores.length === n ? this.keptScores : new Float64Array(n);
    for (i = 0; i < n; i++) { if (!excluded[i] && score[i] === score[i]) { keptScores[nk++] = -score[i]; } }
    var sortedNeg = keptScores.subarray(0, nk).sort();
    var rank = this.rank && this.rank.length === n ? this.rank : new Float64Array(n);
    for (i = 0; i < n; i++) {
      if (excluded[i] || score[i] !== score[i]) { rank[i] = NaN; continue; }
      var key = -score[i], lo = 0, hi = nk;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (sortedNeg[mid] < key) { lo = mid + 1; } else { hi = mid; } }
      rank[i] = lo + 1;
    }
    this.keptScores = keptScores;
    this.z = z; this.eff = eff; this.contrib = contrib; this.score = score; this.rank = rank;
    this.names = names; this.k = k;
  };

  /* Which sites the rules still on exclude, and why (joined as the pipeline joins them). */
  Engine.prototype.exclusions = function (offList) {
    var n = this.n, S = this.model.sites, i, off = {};
    offList.forEach(function (id) { off[id] = true; });
    var rules = this.model.rules, offIdx = rules.map(function (r) { return off[r.id] === true; });
    var anyAreaOff = rules.some(function (r, q) { return offIdx[q] && r.area; });
    var excluded = new Uint8Array(n), approx = new Uint8Array(n), reasons = new Array(n);
    for (i = 0; i < n; i++) {
      var parts = S.reasons[i], txt = "", ap = 0;
      for (var p = 0; p < parts.length; p++) {
        var r = parts[p][0];
        if (r >= 0 && offIdx[r]) { if (rules[r].area) { ap = 1; } continue; }
        txt = txt ? txt + "; " + parts[p][1] : parts[p][1];
      }
      if (!ap && S.cut[i] && anyAreaOff) { ap = 1; }  // an area rule cut into it: its usable area changes
      excluded[i] = txt !== "" ? 1 : 0;
      approx[i] = ap;
      reasons[i] = txt;
    }
    this.excluded = excluded; this.approx = approx; this.reasons = reasons;
  };

  /* Kept sites best first; ties in candidate order (pipeline._ordered). */
  Engine.prototype.sortedKept = function () {
    var score = this.score, order = this.model.sites.order, kept = [];
    for (var i = 0; i < this.n; i++) { if (this.rank[i] === this.rank[i]) { kept.push(i); } }
    var rank = this.rank;
    kept.sort(function (a, b) { return rank[a] - rank[b] || order[a] - order[b]; });
    return kept;
  };

  Engine.prototype.factorByName = function (nm) {
    for (var i = 0; i < this.factors.length; i++) { if (this.factors[i].name === nm) { return this.factors[i]; } }
    return {};
  };

  /* Apply a change (a function editing a copy of the state); refuse what Python would refuse. */
  Engine.prototype.change = function (edit) {
    var next = clone(this.st);
    edit(next);
    var probs = this.problems(next);
    if (probs.length) { throw new Error(probs.join("; ")); }
    this.st = next;
    this.compute();
  };

  /* Rows best first, then excluded sites, each group in candidate order (pipeline._ordered). */
  Engine.prototype.rows = function () {
    var S = this.model.sites, self = this, out = [], i;
    var rest = [];
    for (i = 0; i < this.n; i++) { if (!(this.rank[i] === this.rank[i])) { rest.push(i); } }
    rest.sort(function (a, b) { return S.order[a] - S.order[b]; });
    this.sortedKept().concat(rest).forEach(function (i2) {
      out.push({
        index: i2,
        site_id: S.id[i2],
        rank: self.rank[i2] === self.rank[i2] ? self.rank[i2] : null,
        score: self.excluded[i2] || !(self.score[i2] === self.score[i2]) ? null : self.score[i2],
        excluded: self.excluded[i2] === 1,
        exclusion_reason: self.reasons[i2],
        run_rank: S.run_rank[i2],
        approx: self.approx[i2] === 1
      });
    });
    return out;
  };

  /* The state as a minimal change set against the run (what the URL holds). */
  Engine.prototype.diff = function () {
    var st = this.st, base = this.base, d = {};
    if (JSON.stringify(st.weights) !== JSON.stringify(base.weights)) { d.weights = st.weights; }
    var curves = {};
    Object.keys(st.curves).forEach(function (nm) {
      if (JSON.stringify(st.curves[nm]) !== JSON.stringify(base.curves[nm])) { curves[nm] = st.curves[nm]; }
    });
    if (Object.keys(curves).length) { d.curves = curves; }
    if (JSON.stringify(st.aggregation) !== JSON.stringify(base.aggregation)) { d.aggregation = st.aggregation; }
    if (st.off.length) { d.off = st.off.slice(); }
    if (st.grid_weight !== base.grid_weight) { d.grid_weight = st.grid_weight; }
    return d;
  };

  Engine.prototype.fromDiff = function (d) {
    var st = clone(this.base), self = this;
    if (!d || typeof d !== "object") { return st; }
    if (d.weights) { st.weights = d.weights; }
    if (d.curves && typeof d.curves === "object") {
      Object.keys(d.curves).forEach(function (nm) { if (nm in st.curves) { st.curves[nm] = d.curves[nm]; } });
    }
    if (d.aggregation) { st.aggregation = d.aggregation; }
    if (Array.isArray(d.off)) { st.off = d.off.filter(function (id) { return self.ruleIndex(id) >= 0; }); }
    if (d.grid_weight !== undefined) { st.grid_weight = d.grid_weight; }
    return st;
  };

  /* The adjusted scenario as a dict (the run's scenario with this state applied). */
  Engine.prototype.scenarioDoc = function () {
    var st = this.st, doc = clone(this.model.scenario), self = this;
    delete doc.provenance;
    Object.keys(st.curves).forEach(function (nm) { doc.factors[nm].fuzzy = clone(st.curves[nm]); });
    var allow = (doc.weights || {}).allow_inconsistent;
    if (st.weights.method === "ahp") {
      doc.weights = { method: "ahp", ahp: { order: st.weights.order.slice(), matrix: clone(st.weights.matrix) } };
    } else {
      doc.weights = { method: "direct", values: clone(st.weights.values) };
    }
    if (allow) { doc.weights.allow_inconsistent = true; }
    doc.aggregation = clone(st.aggregation);
    var off = {};
    st.off.forEach(function (id) { off[id] = true; });
    doc.constraints = (doc.constraints || []).filter(function (c) { return !off[c.id]; });
    if (doc.limits) {
      LIMIT_ORDER.forEach(function (key) { if (off[key]) { delete doc.limits[key]; } });
      if (!LIMIT_ORDER.some(function (key) { return key in doc.limits; })) { delete doc.limits; }
    }
    if (doc.grid && st.grid_weight !== null) { doc.grid.weight = st.grid_weight; }
    self = null;
    return doc;
  };

  // ---------------------------------------------------------------- text formats

  /* A number as YAML 1.1 reads it back exactly (PyYAML wants a dot before an exponent). */
  function yamlNumber(v) {
    var s = String(v);
    if (/e/.test(s) && !/\./.test(s)) { s = s.replace("e", ".0e"); }
    return s;
  }

  function yamlValue(v, indent) {
    var pad = new Array(indent + 1).join("  ");
    if (v === null || v === undefined) { return "null"; }
    if (typeof v === "number") { return yamlNumber(v); }
    if (typeof v === "boolean") { return v ? "true" : "false"; }
    if (typeof v === "string") { return JSON.stringify(v); }
    if (Array.isArray(v)) {
      if (!v.length) { return "[]"; }
      if (v.every(function (x) { return x === null || typeof x !== "object" || Array.isArray(x); })) {
        return "[" + v.map(function (x) { return yamlValue(x, 0); }).join(", ") + "]";
      }
      return "\n" + v.map(function (x) { return pad + "- " + yamlValue(x, indent + 1).replace(/^\n\s*/, ""); }).join("\n");
    }
    var keys = Object.keys(v);
    if (!keys.length) { return "{}"; }
    return "\n" + keys.map(function (k) {
      var val = yamlValue(v[k], indent + 1);
      return pad + yamlKey(k) + (val.charAt(0) === "\n" ? ":" : ": ") + val;
    }).join("\n");
  }

  /* A mapping key: plain when YAML 1.1 reads it back as the same text, else quoted. */
  function yamlKey(k) {
    var plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) &&
      !/^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/.test(k);
    return plain ? k : JSON.stringify(k);
  }

  var FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"];
  /* siteselect._output.neutralise_cell: text starting like a formula gets a leading '. */
  function neutralise(text) {
    var s = String(text);
    return FORMULA_STARTS.indexOf(s.charAt(0)) >= 0 && s.length ? "'" + s : s;
  }
  function csvText(v) { return '"' + neutralise(v).replace(/"/g, '""') + '"'; }
  function csvNum(v) { return v === null || v === undefined || v !== v ? "" : String(v); }

  // ---------------------------------------------------------------- page

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) { return "–"; }
    return v.toLocaleString("sv-SE", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }
  var SVG = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (a) { node.setAttribute(a, String(attrs[a])); });
    return node;
  }
  function uid(prefix, text) { return prefix + "-" + String(text).replace(/[^A-Za-z0-9_-]/g, "_"); }

  function readHash() {
    var m = /(?:^#|&)live=([^&]*)/.exec(window.location.hash);
    if (!m) { return null; }
    try { return JSON.parse(decodeURIComponent(m[1])); } catch (e) { return null; }
  }

  /* Build the engine, the panel and window.siteselect for a map made by siteselect_map.js. */
  function attach(map, data, hooks) {
    var model = data.live, L_ = data.labels, eng = new Engine(model), sites = data.sites;
    var labelOf = {};
    data.factors.forEach(function (f) { labelOf[f.name] = f.label; });
    var nameById = {};
    sites.forEach(function (s) { nameById[s.id] = s.name; });
    if (sites.length !== eng.n || sites.some(function (s, i) { return s.id !== model.sites.id[i]; })) {
      throw new Error("siteselect: live model and sites differ; this is a bug in siteselect.mapview");
    }
    var message = el("p", "ss-live-message");
    message.setAttribute("role", "status");
    message.id = "ss-live-message";

    /* Put the engine's numbers on the page's site objects and redraw. */
    function publish() {
      var k = eng.k, kept = [], i, j;
      for (i = 0; i < eng.n; i++) { if (!eng.excluded[i] && eng.score[i] === eng.score[i]) { kept.push(eng.score[i]); } }
      var vmin = Math.min.apply(null, kept.length ? kept : [0]), vmax = Math.max.apply(null, kept.length ? kept : [1]);
      for (i = 0; i < eng.n; i++) {
        var s = sites[i], sc = eng.score[i], keptSite = !eng.excluded[i] && sc === sc;
        s.excluded = !keptSite;
        s.score = keptSite ? sc : null;
        s.rank = keptSite ? eng.rank[i] : null;
        s.run_rank = model.sites.run_rank[i];
        s.approx = eng.approx[i] === 1;
        s.text.exclusion_reason = eng.reasons[i];
        var t = vmax > vmin ? (sc - vmin) / (vmax - vmin) : 1.0, ci = Math.floor(t * 256);
        s.color = keptSite ? model.colors[Math.max(0, Math.min(255, ci))] : null;
        var oldRaw = {};
        s.breakdown.forEach(function (b) { oldRaw[b.factor] = b.raw; });
        s.breakdown = [];
        for (j = 0; j < k; j++) {
          var nm = eng.names[j], c = eng.contrib[i * k + j];
          s.breakdown.push({ factor: nm, raw: nm in oldRaw ? oldRaw[nm] : (model.sites.raw[nm] ? model.sites.raw[nm][i] : null),
            std: eng.z[i * k + j], weight: eng.eff[i * k + j], contrib: c, share: keptSite && sc ? c / sc : null });
        }
      }
      data.legend.min = kept.length ? vmin : null;
      data.legend.max = kept.length ? vmax : null;
      if (eng.n <= 2000) { hooks.refresh(); return; }
      // thousands of polygons: redraw once per frame however fast the slider moves
      if (!redrawPending) {
        redrawPending = true;
        window.requestAnimationFrame(function () { redrawPending = false; hooks.refresh(); });
      }
    }
    var redrawPending = false;

    // ------------------------------------------------ panel
    var panel = el("details", "ss-live");
    panel.id = "ss-live";
    if (!(window.matchMedia && window.matchMedia("(max-width: 900px)").matches)) { panel.open = true; }
    var summary = el("summary", "ss-live-summary", L_.live_title);
    panel.appendChild(summary);
    var body = el("div", "ss-live-body");
    panel.appendChild(body);
    body.appendChild(message);

    // weights
    var weightsBox = el("fieldset", "ss-live-weights");
    weightsBox.appendChild(el("legend", null, L_.live_weights));
    body.appendChild(weightsBox);
    var weightInputs = {};
    var initialVals = eng.st.weights.method === "direct" ? eng.st.weights.values : {};
    var maxVal = 0;
    eng.factors.forEach(function (f) { maxVal = Math.max(maxVal, initialVals[f.name] || eng.weights(eng.st).w[0] || 1); });
    var sliderMax = maxVal > 0 ? maxVal * 3 : 1;
    eng.factors.forEach(function (f) {
      var wrap = el("div", "ss-live-row");
      var id = uid("ss-w", f.name);
      var lab = el("label", null, labelOf[f.name] || f.name);
      lab.htmlFor = id;
      var range = el("input");
      range.type = "range"; range.id = id; range.min = String(sliderMax / 1000); range.max = String(sliderMax);
      range.step = String(sliderMax / 200); range.setAttribute("data-factor", f.name);
      var share = el("output", "ss-live-share");
      share.htmlFor = id;
      wrap.appendChild(lab); wrap.appendChild(range); wrap.appendChild(share);
      weightsBox.appendChild(wrap);
      weightInputs[f.name] = { range: range, share: share };
      range.addEventListener("input", function () { fromSlider(f.name, false); });
      range.addEventListener("change", function () { fromSlider(f.name, true); });
    });
    var gridInput = null;
    if (model.grid) {
      var gw = el("div", "ss-live-row");
      gridInput = el("input");
      gridInput.type = "number"; gridInput.id = "ss-grid-weight"; gridInput.min = "0"; gridInput.max = "0.99"; gridInput.step = "0.05";
      var gl = el("label", null, L_.live_grid_weight);
      gl.htmlFor = gridInput.id;
      gw.appendChild(gl); gw.appendChild(gridInput);
      weightsBox.appendChild(gw);
      gridInput.addEventListener("change", function () { act(function () { api.setGridWeight(Number(gridInput.value)); }); });
    }
    // AHP judgements
    var ahpBox = null, ahpInputs = [], crOut = null;
    if (eng.base.weights.method === "ahp") {
      ahpBox = el("fieldset", "ss-live-ahp");
      ahpBox.appendChild(el("legend", null, L_.live_ahp));
      var order = eng.base.weights.order;
      for (var ai = 0; ai < order.length; ai++) {
        for (var aj = ai + 1; aj < order.length; aj++) {
          var row = el("div", "ss-live-row");
          var inp = el("input");
          inp.type = "number"; inp.min = String(1 / 9); inp.max = "9"; inp.step = "any";
          inp.id = uid("ss-ahp", ai + "-" + aj);
          var al = el("label", null, (labelOf[order[ai]] || order[ai]) + " / " + (labelOf[order[aj]] || order[aj]));
          al.htmlFor = inp.id;
          row.appendChild(al); row.appendChild(inp);
          ahpBox.appendChild(row);
          ahpInputs.push({ i: ai, j: aj, input: inp });
          inp.addEventListener("change", fromAhp);
        }
      }
      crOut = el("output", "ss-live-cr");
      crOut.id = "ss-live-cr";
      ahpBox.appendChild(crOut);
      weightsBox.appendChild(ahpBox);
    }
    // OWA
    var owaBox = null, owaInputs = [], ornessOut = null;
    if (eng.base.aggregation.method === "owa") {
      owaBox = el("fieldset", "ss-live-owa");
      owaBox.appendChild(el("legend", null, L_.live_order_weights));
      eng.base.aggregation.order_weights.forEach(function (_v, r) {
        var row = el("div", "ss-live-row");
        var inp = el("input");
        inp.type = "number"; inp.min = "0"; inp.max = "1"; inp.step = "0.05"; inp.id = "ss-owa-" + r;
        var ol = el("label", null, L_.live_order_position + " " + (r + 1));
        ol.htmlFor = inp.id;
        row.appendChild(ol); row.appendChild(inp);
        owaBox.appendChild(row);
        owaInputs.push(inp);
        inp.addEventListener("change", function () {
          act(function () { api.setAggregation("owa", owaInputs.map(function (x) { return Number(x.value); })); });
        });
      });
      ornessOut = el("output", "ss-live-orness");
      ornessOut.id = "ss-live-orness";
      owaBox.appendChild(ornessOut);
      body.appendChild(owaBox);
    }

    // curves
    var curvesBox = el("fieldset", "ss-live-curves");
    curvesBox.appendChild(el("legend", null, L_.live_curves));
    var curveUi = {};
    eng.factors.forEach(function (f) {
      if (!f.editable) { return; }
      var det = el("details", "ss-live-curve");
      det.appendChild(el("summary", null, labelOf[f.name] || f.name));
      var svg = svgEl("svg", { width: 200, height: 70, viewBox: "0 0 200 70", role: "img", "class": "ss-curve-plot" });
      svg.setAttribute("aria-label", (labelOf[f.name] || f.name) + ": " + L_.live_curve_plot);
      det.appendChild(svg);
      var inputs = [];
      var pts = f.fuzzy.points;
      var flat = f.fuzzy.shape === "piecewise" ? [].concat.apply([], pts) : pts;
      flat.forEach(function (_v, pi) {
        var inp = el("input");
        inp.type = "number"; inp.step = "any"; inp.id = uid("ss-curve-" + pi, f.name);
        var cap = f.fuzzy.shape === "piecewise" ? (pi % 2 ? "y" : "x") + Math.floor(pi / 2 + 1) : "abcd".charAt(pi);
        var cl = el("label", "ss-live-point", cap + " ");
        cl.htmlFor = inp.id;
        cl.appendChild(inp);
        det.appendChild(cl);
        inputs.push(inp);
        inp.addEventListener("change", function () {
          if (inputs.some(function (x) { return x.value.trim() === ""; })) { return; }  // still typing
          act(function () {
            var vals = inputs.map(function (x) { return Number(x.value); });
            var fz = clone(eng.st.curves[f.name]);
            if (fz.shape === "piecewise") {
              fz.points = [];
              for (var q = 0; q < vals.length; q += 2) { fz.points.push([vals[q], vals[q + 1]]); }
            } else { fz.points = vals; }
            api.setCurve(f.name, fz);
          }, true, true);
        });
      });
      curvesBox.appendChild(det);
      curveUi[f.name] = { svg: svg, inputs: inputs };
    });
    if (Object.keys(curveUi).length) { body.appendChild(curvesBox); }

    // rules
    var rulesBox = el("fieldset", "ss-live-rules");
    rulesBox.appendChild(el("legend", null, L_.live_rules));
    var ruleUi = [];
    model.rules.forEach(function (r, ri) {
      var lab = el("label", "ss-live-rule");
      var cb = el("input");
      cb.type = "checkbox"; cb.id = uid("ss-rule", r.id); cb.setAttribute("data-rule", r.id);
      lab.appendChild(cb);
      lab.appendChild(document.createTextNode(" " + r.label + " "));
      var cnt = el("span", "ss-live-count");
      lab.appendChild(cnt);
      rulesBox.appendChild(lab);
      var total = 0;
      model.sites.reasons.forEach(function (parts) { if (parts.some(function (p) { return p[0] === ri; })) { total += 1; } });
      ruleUi.push({ rule: r, cb: cb, count: cnt, total: total });
      cb.addEventListener("change", function () { act(function () { api.setConstraint(r.id, cb.checked); }, true); });
    });
    if (model.rules.length) { body.appendChild(rulesBox); }

    // buttons
    var buttons = el("div", "ss-live-buttons");
    function button(text, id, fn) {
      var b = el("button", null, text);
      b.type = "button"; b.id = id;
      b.addEventListener("click", fn);
      buttons.appendChild(b);
      return b;
    }
    function download(name, text, type) {
      var a = el("a");
      a.href = URL.createObjectURL(new Blob([text], { type: type }));
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    }
    button(L_.live_reset, "ss-live-reset", function () { act(function () { api.reset(); }, true); });
    button(L_.live_export_yaml, "ss-live-yaml", function () { download("scenario.yaml", api.exportYaml(), "text/yaml"); });
    button(L_.live_export_csv, "ss-live-csv", function () { download("ranking.csv", api.exportCsv(), "text/csv"); });
    body.appendChild(buttons);

    var Live = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () { L.DomEvent.disableClickPropagation(panel); L.DomEvent.disableScrollPropagation(panel); return panel; }
    });
    new Live().addTo(map);
    map.getContainer().classList.add("ss-live-on");  // the layer list scrolls, so the panel gets room

    // ------------------------------------------------ syncing panel <-> engine
    /* Only the slider moved sets its factor's weight; the others keep theirs exactly. */
    function fromSlider(name, commit) {
      var vals = {};
      vals[name] = Number(weightInputs[name].range.value);
      act(function () { api.setWeights(vals, { transient: !commit }); }, commit, !commit);
    }
    function fromAhp() {
      var m = clone(eng.st.weights.method === "ahp" ? eng.st.weights.matrix : eng.base.weights.matrix);
      ahpInputs.forEach(function (a) {
        var v = Number(a.input.value);
        m[a.i][a.j] = v; m[a.j][a.i] = 1 / v;
      });
      act(function () { api.setAhp(m); }, true, true);
      showCr(m);  // the judgements as typed, also when refused
    }
    function showCr(m) {
      var res = ahpWeights(m, eng.base.weights.order);
      crOut.textContent = "CR = " + fmt(res.cr, 3) + (res.cr > MAX_CR ? " > 0,10" : "") + (res.worst_pair ? " · " + L_.live_worst_pair + ": " +
        (labelOf[res.worst_pair[0]] || res.worst_pair[0]) + " / " + (labelOf[res.worst_pair[1]] || res.worst_pair[1]) : "") +
        (eng.st.weights.method === "ahp" ? "" : " · " + L_.live_direct_in_use);
      crOut.setAttribute("data-cr", String(res.cr));
    }
    function act(fn, commit, keepInputs) {
      try {
        fn();
        message.textContent = "";
        message.className = "ss-live-message";
      } catch (e) {
        message.textContent = L_.live_refused + ": " + e.message;
        message.className = "ss-live-message ss-live-error";
        if (!keepInputs) { syncInputs(); }
      }
    }

    /* The curve plot: the candidates' raw values as a histogram, the curve over them, and a handle per
     * control point that can be dragged (the number inputs do the same by keyboard). */
    function drawCurve(nm) {
      var ui = curveUi[nm], svg = ui.svg, fz = eng.st.curves[nm];
      var W = 200, H = 70;
      function yPix(y) { return 2 + (H - 4) * (1 - y); }
      if (!ui.dragging) {
        while (svg.firstChild) { svg.removeChild(svg.firstChild); }
        var raw = model.sites.raw[nm].filter(function (x) { return x !== null; });
        var xs = fz.shape === "piecewise" ? fz.points.map(function (q) { return q[0]; }) : fz.points.slice();
        var lo = Math.min.apply(null, xs.concat(raw)), hi = Math.max.apply(null, xs.concat(raw));
        if (!(hi > lo)) { hi = lo + 1; }
        var span = hi - lo; lo -= span * 0.05; hi += span * 0.05;
        ui.scale = { lo: lo, hi: hi };
        var bins = 20, counts = new Array(bins).fill(0), cmax = 0;
        raw.forEach(function (x) { var bb = Math.min(bins - 1, Math.floor((x - lo) / (hi - lo) * bins)); counts[bb] += 1; cmax = Math.max(cmax, counts[bb]); });
        counts.forEach(function (c, bb) {
          if (!c) { return; }
          var h = (H - 4) * c / cmax;
          svg.appendChild(svgEl("rect", { x: bb * W / bins, y: H - h, width: W / bins - 1, height: h, "class": "ss-curve-hist" }));
        });
        ui.path = svgEl("path", { d: "", "class": "ss-curve-line" });
        svg.appendChild(ui.path);
        ui.handles = (fz.shape === "piecewise" ? fz.points : fz.points).map(function (_p, q) {
          var hnd = svgEl("circle", { r: 5, "class": "ss-curve-handle", "data-point": q });
          hnd.addEventListener("pointerdown", function (ev) { startDrag(nm, q, ev); });
          svg.appendChild(hnd);
          return hnd;
        });
      }
      var sc = ui.scale, f = curveFunction(fz), d = "";
      function xPix(x) { return (x - sc.lo) / (sc.hi - sc.lo) * W; }
      for (var px = 0; px <= W; px += 2) {
        d += (px ? " L" : "M") + px + " " + yPix(f(sc.lo + (sc.hi - sc.lo) * px / W)).toFixed(2);
      }
      ui.path.setAttribute("d", d);
      ui.handles.forEach(function (hnd, q) {
        var x = fz.shape === "piecewise" ? fz.points[q][0] : fz.points[q];
        var y = fz.shape === "piecewise" ? fz.points[q][1] : f(x);
        hnd.setAttribute("cx", xPix(x).toFixed(2));
        hnd.setAttribute("cy", yPix(y).toFixed(2));
      });
    }

    function startDrag(nm, q, ev) {
      var ui = curveUi[nm], svg = ui.svg, moved = false;
      ev.preventDefault();
      ui.dragging = true;
      function at(e) {
        var r = svg.getBoundingClientRect(), sc = ui.scale;
        var x = sc.lo + (e.clientX - r.left) / r.width * (sc.hi - sc.lo);
        var y = 1 - ((e.clientY - r.top) / r.height * 70 - 2) / 66;
        var fz = clone(eng.st.curves[nm]);
        var step = Math.pow(10, Math.floor(Math.log10(sc.hi - sc.lo)) - 2);  // round to 1 % of the scale's decade
        x = Math.round(x / step) * step;
        x = Number(x.toPrecision(12));
        if (fz.shape === "piecewise") { fz.points[q] = [x, Math.max(0, Math.min(1, Math.round(y * 100) / 100))]; }
        else { fz.points[q] = x; }
        return fz;
      }
      function move(e) {
        try { api.setCurve(nm, at(e), { transient: true }); moved = true; } catch (err) { /* not increasing: stay */ }
      }
      function up(e) {
        svg.removeEventListener("pointermove", move);
        svg.removeEventListener("pointerup", up);
        ui.dragging = false;
        act(function () { if (moved) { api.setCurve(nm, at(e)); } else { drawCurve(nm); } });
      }
      svg.addEventListener("pointermove", move);
      svg.addEventListener("pointerup", up);
      if (svg.setPointerCapture && ev.pointerId !== undefined) { svg.setPointerCapture(ev.pointerId); }
    }

    function syncInputs() {
      var st = eng.st, ww = eng.weights(st), i;
      eng.factors.forEach(function (f, fi) {
        var ui = weightInputs[f.name];
        var v = st.weights.method === "direct" ? st.weights.values[f.name] : ww.w[fi] / (1 - (ww.names.length > eng.factors.length ? st.grid_weight : 0)) * sliderMax / 3;
        if (document.activeElement !== ui.range) { ui.range.value = String(v); }
        ui.share.textContent = fmt(100 * ww.w[fi], 1) + " %";
      });
      if (gridInput) { gridInput.value = String(st.grid_weight); }
      if (ahpBox) {
        var m = st.weights.method === "ahp" ? st.weights.matrix : eng.base.weights.matrix;
        ahpInputs.forEach(function (a) { a.input.value = String(m[a.i][a.j]); });
        showCr(m);
      }
      if (owaBox) {
        var ow = st.aggregation.order_weights || [];
        owaInputs.forEach(function (inp, r) { inp.value = String(ow[r]); });
        ornessOut.textContent = L_.live_orness + " = " + fmt(orness(ow), 3);
      }
      Object.keys(curveUi).forEach(function (nm) {
        var fz = st.curves[nm], flat = fz.shape === "piecewise" ? [].concat.apply([], fz.points) : fz.points;
        curveUi[nm].inputs.forEach(function (inp, q) { inp.value = String(flat[q]); });
        drawCurve(nm);
      });
      var off = {};
      st.off.forEach(function (id) { off[id] = true; });
      ruleUi.forEach(function (u) {
        u.cb.checked = !off[u.rule.id];
        u.count.textContent = "(" + u.total + " " + L_.live_sites + ")";
      });
      for (i = 0; i < 0; i++) { /* no-op */ }
    }

    // ------------------------------------------------ URL state
    var applyingHash = false;
    function writeHash(push) {
      if (applyingHash) { return; }
      var d = eng.diff(), h = Object.keys(d).length ? "#live=" + encodeURIComponent(JSON.stringify(d)) : "";
      var url = window.location.href.split("#")[0] + h;
      if (url === window.location.href || (h === "" && window.location.hash === "")) { return; }
      if (push) { window.history.pushState(null, "", url); } else { window.history.replaceState(null, "", url); }
    }
    function fromHash() {
      var d = readHash();
      applyingHash = true;
      try {
        var st = eng.fromDiff(d), probs = eng.problems(st);
        if (probs.length) {
          message.textContent = L_.live_refused + ": " + probs.join("; ");
          message.className = "ss-live-message ss-live-error";
          st = clone(eng.base);
        }
        eng.st = st;
        eng.compute();
        syncInputs();
        publish();
      } finally { applyingHash = false; }
    }
    window.addEventListener("popstate", fromHash);
    window.addEventListener("hashchange", fromHash);

    /* Show the engine's new numbers; a transient change (a slider being dragged) leaves the URL alone,
     * the change that ends it adds one history entry. */
    function changed(push) { syncInputs(); publish(); if (push !== null) { writeHash(push); } }

    var api = {
      version: 1,
      engine: eng,
      setWeights: function (values, opts) {
        eng.change(function (st) {
          var v = {}, now = st.weights.values;
          if (st.weights.method === "ahp") {  // factors not named keep their AHP weight
            var res = ahpWeights(st.weights.matrix, st.weights.order);
            now = {};
            eng.factors.forEach(function (f) { now[f.name] = res.weights[f.name]; });
          }
          eng.factors.forEach(function (f) { v[f.name] = Number(values[f.name] !== undefined ? values[f.name] : now[f.name]); });
          st.weights = { method: "direct", values: v };
        });
        changed(opts && opts.transient ? null : true);
      },
      setAhp: function (matrix) {
        if (!eng.base.weights.order) { throw new Error("weights.ahp: this scenario has no AHP order; use setWeights"); }
        eng.change(function (st) { st.weights = { method: "ahp", order: eng.base.weights.order.slice(), matrix: clone(matrix) }; });
        changed(true);
      },
      setGridWeight: function (w) {
        eng.change(function (st) { st.grid_weight = Number(w); });
        changed(true);
      },
      setAggregation: function (method, orderWeights) {
        eng.change(function (st) {
          st.aggregation = { method: method };
          if (method === "owa") { st.aggregation.order_weights = orderWeights ? orderWeights.map(Number) : (eng.base.aggregation.order_weights || []); }
        });
        changed(true);
      },
      setCurve: function (name, fuzzy, opts) {
        if (!(name in eng.st.curves)) { throw new Error("factors." + name + ": not a factor with an editable curve"); }
        eng.change(function (st) { st.curves[name] = clone(fuzzy); });
        changed(opts && opts.transient ? null : true);
      },
      setConstraint: function (id, on) {
        if (eng.ruleIndex(id) < 0) { throw new Error("constraint " + id + ": no such constraint or limit in this run"); }
        eng.change(function (st) {
          st.off = st.off.filter(function (x) { return x !== id; });
          if (!on) { st.off.push(id); }
        });
        changed(true);
      },
      reset: function () { eng.st = clone(eng.base); eng.compute(); changed(true); },
      state: function () { return clone(eng.diff()); },
      setState: function (d) {
        var st = eng.fromDiff(d), probs = eng.problems(st);
        if (probs.length) { throw new Error(probs.join("; ")); }
        eng.st = st; eng.compute(); changed(true);
      },
      ranking: function () {
        return eng.rows().map(function (r) {
          return { site_id: r.site_id, name: nameById[r.site_id], rank: r.rank, score: r.score, excluded: r.excluded,
            exclusion_reason: r.exclusion_reason, run_rank: r.run_rank, approx: r.approx };
        });
      },
      ahp: function () {
        var w = eng.st.weights.method === "ahp" ? eng.st.weights : eng.base.weights;
        return w.method === "ahp" ? ahpWeights(w.matrix, w.order) : null;
      },
      orness: function () { return orness(eng.st.aggregation.order_weights || []); },
      /* Re-score and re-rank only (no drawing): milliseconds, for benchmarks. */
      rescore: function () { var t0 = performance.now(); eng.compute(); return performance.now() - t0; },
      exportYaml: function () {
        return "# siteselect scenario adjusted on the live map; run it with: siteselect run SCENARIO --out DIR\n" +
          yamlValue(eng.scenarioDoc(), 0).replace(/^\n/, "") + "\n";
      },
      exportCsv: function () {
        var names = eng.names;
        var head = ["rank", "site_id", "name", "score", "run_rank", "excluded", "exclusion_reason"];
        names.forEach(function (nm) { head.push(nm + "_std", nm + "_weight", nm + "_contrib"); });
        var lines = [head.map(csvText).join(",")];
        eng.rows().forEach(function (r) {
          var i = r.index, k = eng.k;
          var cells = [csvNum(r.rank), csvText(r.site_id), csvText(nameById[r.site_id]), csvNum(r.score), csvNum(r.run_rank),
            r.excluded ? "True" : "False", csvText(r.exclusion_reason)];
          for (var j = 0; j < k; j++) {
            cells.push(csvNum(eng.z[i * k + j]), csvNum(eng.eff[i * k + j]), csvNum(r.excluded ? NaN : eng.contrib[i * k + j]));
          }
          lines.push(cells.join(","));
        });
        return lines.join("\r\n") + "\r\n";
      }
    };
    window.siteselect = api;
    fromHash();
    return api;
  }

  window.siteselectLive = { attach: attach, Engine: Engine, ahpWeights: ahpWeights, curveFunction: curveFunction, pairwiseSum: pairwiseSum };
})();
