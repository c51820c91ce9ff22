/* The location map (Leaflet, shipped with the site). Without a configured tile server, or when
   tiles cannot load, the geometry is drawn on a plain background with the municipality's extent;
   the coordinates are always printed under the map as text. */
/* A Leaflet map in ``box`` with the tiles of its data-tiles attribute, or a plain background and
   the note of its data-no-tiles attribute (also when tiles fail to load). Used by monitor.js too. */
window.registryBaseMap = function (box, options) {
  "use strict";
  box.classList.add("map-live");
  var map = L.map(box, Object.assign({ scrollWheelZoom: false, attributionControl: true, zoomSnap: 0.25 }, options || {}));
  map.attributionControl.setPrefix("Leaflet");
  var note = function () {
    if (box.querySelector(".map-note")) { return; }
    var p = document.createElement("p");
    p.className = "map-note";
    p.textContent = box.getAttribute("data-no-tiles") || "";
    box.appendChild(p);
  };
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    var failed = 0;
    var layer = L.tileLayer(tiles, { maxZoom: 19, attribution: "" });
    layer.on("tileerror", function () { failed += 1; if (failed === 1) { box.classList.add("map-plain"); note(); } });
    layer.addTo(map);
  } else {
    box.classList.add("map-plain");
    note();
  }
  return map;
};
(function () {
  "use strict";
  var box = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!box || !source || typeof window.L === "undefined") { return; }
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { return; }
  var points = data.points || [];
  var bbox = data.bbox || [];
  if (!points.length && !bbox.length) { box.hidden = true; return; }
  var map = window.registryBaseMap(box);
  var layers = [];
  if (bbox.length > 2) {
    layers.push(L.polygon(bbox, { color: "#5b6b7a", weight: 1, dashArray: "4 4", fillColor: "#dfe7ee", fillOpacity: 0.5, interactive: false }));
  }
  var kind = (data.type || "POINT").toUpperCase();
  var label = box.getAttribute("data-label") || "";
  /* Leaflet puts a string tooltip in as HTML: hand it an element holding the label as text, so a
     title such as <img src=x onerror=...> shows as those characters and is never parsed. One per layer. */
  var tip = function () {
    var span = document.createElement("span");
    span.textContent = label;
    return span;
  };
  if (points.length === 1 || kind.indexOf("POINT") === 0) {
    points.forEach(function (pt) {
      layers.push(L.circleMarker(pt, { radius: 8, color: "#0b4f8a", weight: 3, fillColor: "#f2a900", fillOpacity: 1 }).bindTooltip(tip()));
    });
  } else if (kind.indexOf("POLYGON") >= 0) {
    layers.push(L.polygon(points, { color: "#0b4f8a", weight: 3, fillColor: "#f2a900", fillOpacity: 0.4 }).bindTooltip(tip()));
  } else if (points.length) {
    layers.push(L.polyline(points, { color: "#0b4f8a", weight: 4 }).bindTooltip(tip()));
  }
  var group = L.featureGroup(layers).addTo(map);
  if (points.length === 1) {
    map.setView(points[0], bbox.length > 2 ? 12 : 15);
    if (bbox.length > 2) { map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 13 }); }
  } else {
    map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 16 });
  }
})();
