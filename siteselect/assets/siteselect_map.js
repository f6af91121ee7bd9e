/* siteselect map: draws the embedded layers, the filter panel and the ranked list.
 * Data comes from the JSON data island (the script element with id "siteselect-data").
 * Every text from the data is written with textContent / createTextNode, never as HTML. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) { return "–"; }
    if (typeof v !== "number") { return String(v); }
    return v.toLocaleString("sv-SE", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }

  function row(table, key, value) {
    var tr = el("tr");
    tr.appendChild(el("th", null, key));
    tr.appendChild(el("td", null, value));
    table.appendChild(tr);
  }

  function popupContent(site, data) {
    var L_ = data.labels;
    var box = el("div", "ss-popup");
    box.setAttribute("data-site-id", site.id);
    box.appendChild(el("h3", "ss-popup-title", site.name));
    var t = el("table", "ss-facts");
    row(t, L_.site_id, site.id);
    if (site.text.municipality) { row(t, L_.municipality, site.text.municipality); }
    row(t, L_.area_ha, fmt(site.area_ha, 1));
    if (site.text.plan_status) { row(t, L_.plan_status, L_[site.text.plan_status] || site.text.plan_status); }
    if (site.text.owner) { row(t, L_.owner, L_[site.text.owner] || site.text.owner); }
    if (site.excluded) {
      row(t, L_.excluded_reason, site.text.exclusion_reason || "");
    } else {
      row(t, L_.score, fmt(site.score, 3));
      row(t, L_.rank, fmt(site.rank, 0) + (site.approx ? " ≈" : ""));
      if (data.live) { row(t, L_.live_run_rank, fmt(site.run_rank, 0)); }
      if (data.has_sensitivity && site.rank_min !== null) {
        row(t, L_.rank_range, fmt(site.rank_min, 0) + "–" + fmt(site.rank_max, 0));
      }
      if (site.p_top_k !== null) { row(t, L_.p_top_k, fmt(100 * site.p_top_k, 0) + " %"); }
    }
    var f = site.figures;
    if ("port_minutes" in f) { row(t, L_.port_minutes, fmt(f.port_minutes, 0)); }
    if ("motorway_minutes" in f) { row(t, L_.motorway_minutes, fmt(f.motorway_minutes, 0)); }
    if ("rail_minutes" in f) { row(t, L_.rail_minutes, fmt(f.rail_minutes, 0)); }
    if ("substation_km" in f) {
      var sub = fmt(f.substation_km, 1) + " km";
      if (f.substation_voltage_kv !== undefined && f.substation_voltage_kv !== null) { sub += ", " + fmt(f.substation_voltage_kv, 0) + " kV"; }
      if (site.text.nearest_substation) { sub += " (" + site.text.nearest_substation + ")"; }
      row(t, L_.nearest_substation, sub);
    }
    if ("pop_45min" in f) { row(t, L_.pop_45min, fmt(f.pop_45min, 0)); }
    if (site.text.grid_note) { row(t, L_.grid_capacity, site.text.grid_note); }
    if (site.text.readiness_class) {
      row(t, L_.readiness, site.text.readiness_class + (site.text.readiness_label ? " – " + site.text.readiness_label : ""));
    }
    box.appendChild(t);
    if (!site.excluded && site.breakdown.length) {
      box.appendChild(el("h4", null, L_.breakdown));
      var b = el("table", "ss-breakdown");
      var head = el("tr");
      [L_.factor, L_.raw, L_.std, L_.weight, L_.share].forEach(function (h) { head.appendChild(el("th", null, h)); });
      b.appendChild(head);
      var labelOf = {};
      data.factors.forEach(function (fa) { labelOf[fa.name] = fa.label; });
      site.breakdown.forEach(function (p) {
        var tr = el("tr");
        tr.setAttribute("data-factor", p.factor);
        tr.appendChild(el("td", null, labelOf[p.factor] || p.factor));
        tr.appendChild(el("td", null, fmt(p.raw, 2)));
        tr.appendChild(el("td", null, fmt(p.std, 3)));
        tr.appendChild(el("td", null, fmt(p.weight, 3)));
        tr.appendChild(el("td", null, p.share === null ? "–" : fmt(100 * p.share, 1) + " %"));
        b.appendChild(tr);
      });
      box.appendChild(b);
    }
    return box;
  }

  /* "▲ 3" / "▼ 2" / "=" against the run's rank, or "new" for a site the run excluded. */
  function rankChange(site, L_) {
    var span = el("span", "ss-rank-change");
    var before = site.run_rank, now = site.rank;
    var text, cls;
    if (before === null || before === undefined) { text = " " + L_.live_new; cls = "ss-up"; }
    else if (now < before) { text = " ▲ " + (before - now); cls = "ss-up"; }
    else if (now > before) { text = " ▼ " + (now - before); cls = "ss-down"; }
    else { text = " ="; cls = "ss-same"; }
    span.className = "ss-rank-change " + cls;
    span.textContent = text + (site.approx ? " ≈" : "");
    span.title = L_.live_run_rank + ": " + fmt(before, 0);
    return span;
  }

  function readData() {
    var node = document.getElementById("siteselect-data");
    return JSON.parse(node.textContent);
  }

  function pointLayer(geometry, style) {
    return L.geoJSON(geometry, {
      pointToLayer: function (_f, latlng) { return L.circleMarker(latlng, style); },
      style: function () { return style; }
    });
  }

  function drawContext(map, control, data) {
    data.layers.forEach(function (lyr) {
      var group = L.featureGroup();
      lyr.features.forEach(function (feat) {
        var style = Object.assign({}, lyr.style, feat.style || {});
        var layer = lyr.kind === "point" ? pointLayer(feat.geometry, style) : L.geoJSON(feat.geometry, { style: function () { return style; } });
        if (feat.tooltip) { layer.bindTooltip(el("span", null, feat.tooltip), { sticky: lyr.kind !== "point" }); }
        group.addLayer(layer);
      });
      if (lyr.show) { group.addTo(map); }
      control.addOverlay(group, lyr.title);
    });
  }

  function numberInput(labelText, attrs) {
    var wrap = el("label", "ss-field");
    var caption = el("span", "ss-caption", labelText);
    var input = el("input");
    Object.keys(attrs).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    var out = el("output", "ss-value");
    wrap.appendChild(caption);
    wrap.appendChild(input);
    wrap.appendChild(out);
    return { wrap: wrap, input: input, out: out };
  }

  window.siteselectInit = function (map, control) {
    var data = readData();
    var L_ = data.labels;
    var sites = data.sites;
    var fl = data.filters;
    map.fitBounds(data.bounds, { animate: false });

    var candidates = L.featureGroup().addTo(map);
    var excluded = L.featureGroup().addTo(map);
    var isoGroup = L.featureGroup().addTo(map);
    var suitability = null;
    if (data.suitability) {
      suitability = L.imageOverlay(data.suitability.url, data.suitability.bounds, { opacity: 0.6 });
      suitability.addTo(map);
      control.addOverlay(suitability, L_.suitability);
    }
    drawContext(map, control, data);

    var byId = {};
    function showIsochrones(site) {
      isoGroup.clearLayers();
      var zones = data.isochrones[site.id] || [];
      var colours = ["#fee8c8", "#fdbb84", "#e34a33"];
      zones.forEach(function (z, i) {
        var layer = L.geoJSON(z.geometry, { style: function () { return { color: "#b30000", weight: 1, fillColor: colours[Math.min(i, 2)], fillOpacity: 0.25 }; } });
        layer.bindTooltip(el("span", null, site.name + ": " + fmt(z.minutes, 0) + " " + L_.minutes), { sticky: true });
        isoGroup.addLayer(layer);
      });
      isoGroup.bringToBack();
    }

    function drawSite(site) {
      var g = L.featureGroup();
      var style, marker;
      if (site.excluded) {
        style = { color: "#555555", weight: 1, fillColor: "#9e9e9e", fillOpacity: 0.5, dashArray: "3 3", className: "ss-excluded-shape" };
        marker = L.circleMarker(site.point, { radius: 5, color: "#555555", weight: 1, fillColor: "#bdbdbd", fillOpacity: 0.9, className: "ss-excluded-marker" });
      } else {
        style = { color: "#000000", weight: 1, fillColor: site.color, fillOpacity: 0.8, className: "ss-site-shape" };
        marker = L.circleMarker(site.point, { radius: 8, color: "#000000", weight: 1, fillColor: site.color, fillOpacity: 0.95, className: "ss-site-marker" });
      }
      if (site.geometry) { g.addLayer(L.geoJSON(site.geometry, { style: function () { return style; } })); }
      g.addLayer(marker);
      var tip = site.excluded ? site.name + " — " + (site.text.exclusion_reason || "") : site.name + " · " + L_.score + " " + fmt(site.score, 3);
      g.bindTooltip(el("span", "ss-tooltip", tip), { sticky: true });
      g.bindPopup(function () { return popupContent(site, data); }, { maxWidth: 420 });
      g.on("popupopen", function () { showIsochrones(site); });
      byId[site.id] = { site: site, layer: g };
      (site.excluded ? excluded : candidates).addLayer(g);
    }
    sites.forEach(drawSite);
    /* Redraw every site from its (re-scored) record: the live panel calls this. */
    function redrawSites() {
      var open = null;
      sites.forEach(function (site) {
        var old = byId[site.id].layer;
        if (old.isPopupOpen && old.isPopupOpen()) { open = site; }
        candidates.removeLayer(old);
        excluded.removeLayer(old);
      });
      sites.forEach(drawSite);
      if (open) { byId[open.id].layer.openPopup(L.latLng(open.point[0], open.point[1])); }
    }
    control.addOverlay(candidates, L_.candidates);
    control.addOverlay(excluded, L_.excluded);
    control.addOverlay(isoGroup, L_.isochrones);

    // ---------- filter panel ----------
    var panel = el("div", "ss-panel");
    panel.id = "ss-panel";
    panel.appendChild(el("h2", "ss-title", data.title));
    panel.appendChild(el("h3", null, L_.filters));
    function slider(id, text, max, step, value) {
      var f = numberInput(text, { type: "range", min: "0", max: String(max), step: String(step), value: String(value), id: id });
      panel.appendChild(f.wrap);
      return f;
    }
    var area = slider("ss-min-area", L_.min_area_ha, fl.area_max, 1, 0);
    var port = fl.port_max !== null ? slider("ss-max-port", L_.max_port_minutes, fl.port_max, 1, fl.port_max) : null;
    var motorway = fl.motorway_max !== null ? slider("ss-max-motorway", L_.max_motorway_minutes, fl.motorway_max, 1, fl.motorway_max) : null;
    var rail = fl.rail_max !== null ? slider("ss-max-rail", L_.max_rail_minutes, fl.rail_max, 1, fl.rail_max) : null;

    var voltWrap = el("div", "ss-field");
    voltWrap.appendChild(el("span", "ss-caption", L_.min_voltage_kv));
    var volt = el("select");
    volt.id = "ss-min-voltage";
    var anyOpt = el("option", null, L_.any);
    anyOpt.value = "";
    volt.appendChild(anyOpt);
    fl.voltages.forEach(function (v) { var o = el("option", null, fmt(v, 0)); o.value = String(v); volt.appendChild(o); });
    voltWrap.appendChild(volt);
    voltWrap.appendChild(el("span", "ss-caption", L_.within_km));
    var voltKm = el("input");
    voltKm.id = "ss-voltage-km";
    voltKm.type = "number";
    voltKm.min = "0";
    voltKm.step = "1";
    voltKm.value = String(fl.substation_km_max === null ? 0 : fl.substation_km_max);
    voltWrap.appendChild(voltKm);
    if (fl.voltages.length) { panel.appendChild(voltWrap); }

    var statusWrap = el("div", "ss-field");
    statusWrap.appendChild(el("span", "ss-caption", L_.plan_status));
    var statusBoxes = [];
    fl.statuses.forEach(function (s) {
      var lab = el("label", "ss-check");
      var cb = el("input");
      cb.type = "checkbox";
      cb.checked = true;
      cb.value = s;
      cb.className = "ss-status";
      lab.appendChild(cb);
      lab.appendChild(document.createTextNode(" " + (L_[s] || s)));
      statusWrap.appendChild(lab);
      statusBoxes.push(cb);
    });
    panel.appendChild(statusWrap);

    var muniWrap = el("div", "ss-field");
    muniWrap.appendChild(el("span", "ss-caption", L_.municipality));
    var muni = el("select");
    muni.id = "ss-municipality";
    var allOpt = el("option", null, L_.all);
    allOpt.value = "";
    muni.appendChild(allOpt);
    fl.municipalities.forEach(function (m) { var o = el("option", null, m); o.value = m; muni.appendChild(o); });
    muniWrap.appendChild(muni);
    panel.appendChild(muniWrap);

    var scoreStep = fl.score_max > 0 ? Math.pow(10, Math.floor(Math.log10(fl.score_max)) - 2) : 0.01;
    var score = slider("ss-min-score", L_.min_score, fl.score_max, scoreStep, 0);

    var reset = el("button", "ss-reset", L_.reset);
    reset.type = "button";
    panel.appendChild(reset);

    var countLine = el("p", "ss-count");
    var countLabel = el("span", null, L_.visible_sites + ": ");
    var count = el("strong");
    count.id = "ss-visible-count";
    countLine.appendChild(countLabel);
    countLine.appendChild(count);
    panel.appendChild(countLine);
    panel.appendChild(el("h3", null, L_.top_list));
    var list = el("ol", "ss-list");
    list.id = "ss-ranked-list";
    panel.appendChild(list);

    // legend
    var legendMin, legendMax;
    if (data.legend.min !== null) {
      var legend = el("div", "ss-legend");
      legend.id = "ss-legend";
      legend.appendChild(el("div", "ss-legend-title", L_.legend));
      var bar = el("div", "ss-legend-bar");
      bar.style.background = "linear-gradient(to right, " + data.legend.colors.join(", ") + ")";
      legend.appendChild(bar);
      var ends = el("div", "ss-legend-ends");
      legendMin = el("span", null, fmt(data.legend.min, 3));
      legendMax = el("span", null, fmt(data.legend.max, 3));
      legendMin.id = "ss-legend-min";
      legendMax.id = "ss-legend-max";
      ends.appendChild(legendMin);
      ends.appendChild(legendMax);
      legend.appendChild(ends);
      panel.appendChild(legend);
    }

    var PanelControl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () { L.DomEvent.disableClickPropagation(panel); L.DomEvent.disableScrollPropagation(panel); return panel; }
    });
    new PanelControl().addTo(map);

    function atMax(f) { return f === null || Number(f.input.value) >= Number(f.input.max); }
    function within(v, f) { return atMax(f) || (v !== null && v !== undefined && v <= Number(f.input.value)); }

    function passes(site) {
      var fi = site.figures;
      if (site.excluded) { return false; }
      if (Number(area.input.value) > 0 && !(site.area_ha !== null && site.area_ha >= Number(area.input.value))) { return false; }
      if (!within(fi.port_minutes, port)) { return false; }
      if (!within(fi.motorway_minutes, motorway)) { return false; }
      if (!within(fi.rail_minutes, rail)) { return false; }
      if (volt.value !== "") {
        var kv = fi.substation_voltage_kv, km = fi.substation_km;
        if (kv === null || kv === undefined || km === null || km === undefined) { return false; }
        if (kv < Number(volt.value) || km > Number(voltKm.value)) { return false; }
      }
      var okStatus = statusBoxes.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
      if (statusBoxes.length && okStatus.indexOf(site.text.plan_status) < 0) { return false; }
      if (muni.value !== "" && site.text.municipality !== muni.value) { return false; }
      if (Number(score.input.value) > 0 && !(site.score !== null && site.score >= Number(score.input.value))) { return false; }
      return true;
    }

    function showValue(f, unit) {
      if (!f) { return; }
      f.out.textContent = (f.input.id !== "ss-min-area" && f.input.id !== "ss-min-score" && atMax(f)) ? L_.any : fmt(Number(f.input.value), 3) + (unit ? " " + unit : "");
    }

    function update() {
      showValue(area, "ha");
      showValue(port, "min");
      showValue(motorway, "min");
      showValue(rail, "min");
      showValue(score, "");
      var visible = [];
      sites.forEach(function (site) {
        if (site.excluded) { return; }
        var entry = byId[site.id];
        if (passes(site)) {
          visible.push(site);
          if (!candidates.hasLayer(entry.layer)) { candidates.addLayer(entry.layer); }
        } else if (candidates.hasLayer(entry.layer)) {
          candidates.removeLayer(entry.layer);
        }
      });
      visible.sort(function (a, b) { return (a.rank || Infinity) - (b.rank || Infinity) || (b.score || 0) - (a.score || 0); });
      if (legendMin) { legendMin.textContent = fmt(data.legend.min, 3); legendMax.textContent = fmt(data.legend.max, 3); }
      count.textContent = String(visible.length);
      panel.setAttribute("data-visible", String(visible.length));
      while (list.firstChild) { list.removeChild(list.firstChild); }
      visible.slice(0, 10).forEach(function (site) {
        var li = el("li", "ss-list-item");
        li.setAttribute("data-site-id", site.id);
        var a = el("a", null, site.name);
        a.href = "#";
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          var g = byId[site.id].layer;
          var zoom = Math.min(map.getBoundsZoom(g.getBounds()), 13);
          // no animation: the popup's auto-pan then works from the final view
          map.setView(L.latLng(site.point[0], site.point[1]), Math.max(zoom, map.getZoom()), { animate: false });
          g.openPopup(L.latLng(site.point[0], site.point[1]));
        });
        li.appendChild(a);
        li.appendChild(el("span", "ss-list-score", " " + fmt(site.score, 3)));
        if (data.live) { li.appendChild(rankChange(site, L_)); }
        list.appendChild(li);
      });
    }

    [area, port, motorway, rail, score].forEach(function (f) {
      if (f) { f.input.addEventListener("input", update); f.input.addEventListener("change", update); }
    });
    [volt, voltKm, muni].forEach(function (n) { n.addEventListener("input", update); n.addEventListener("change", update); });
    statusBoxes.forEach(function (c) { c.addEventListener("change", update); });
    reset.addEventListener("click", function () {
      area.input.value = "0";
      [port, motorway, rail].forEach(function (f) { if (f) { f.input.value = f.input.max; } });
      score.input.value = "0";
      volt.value = "";
      muni.value = "";
      statusBoxes.forEach(function (c) { c.checked = true; });
      update();
    });
    update();
    window.siteselectMap = { map: map, update: update, visibleCount: function () { return Number(count.textContent); } };
    if (data.live && window.siteselectLive) {
      window.siteselectLive.attach(map, data, { refresh: function () { redrawSites(); update(); } });
    }
  };
})();
