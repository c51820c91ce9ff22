/* The map of objects (Leaflet, shipped with the site; after js/map.js, whose registryBaseMap sets
   up the background) on the search page and the municipality, material and object-kind pages:
   one marker per object with a location, over an optional outline (a municipality's area);
   nearby markers drawn as one numbered circle until zoomed in (a grid per zoom level); a popup
   names the object and its kind and links to its passport. Without a configured tile server, or
   when tiles cannot load, the markers are drawn on a plain background (registryBaseMap). Every
   text is set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var box = document.getElementById("results-map");
  var source = document.getElementById("results-map-data");
  if (!box || !source || typeof window.L === "undefined" || !window.registryBaseMap) { return; }
  var points, outline = [];
  try {
    points = JSON.parse(source.textContent);
    var area = document.getElementById("results-map-outline");
    if (area) { outline = JSON.parse(area.textContent); }
  } catch (e) { return; }
  if (!points.length && outline.length < 3) { box.hidden = true; return; }
  var map = window.registryBaseMap(box);
  var outlineLayer = null;
  if (outline.length > 2) {
    outlineLayer = L.polygon(outline, { color: "#5b6b7a", weight: 1, dashArray: "4 4", fillColor: "#dfe7ee", fillOpacity: 0.5, interactive: false }).addTo(map);
  }
  var openText = box.getAttribute("data-open") || "";
  var popup = function (pt) {
    var div = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = pt[2];
    var kind = document.createElement("div");
    kind.textContent = pt[3];
    var link = document.createElement("a");
    link.href = pt[4];
    link.textContent = openText;
    div.appendChild(title); div.appendChild(kind); div.appendChild(link);
    return div;
  };
  var markers = L.layerGroup().addTo(map);
  var draw = function () {
    markers.clearLayers();
    var zoom = map.getZoom();
    var cells = {};
    points.forEach(function (pt) {
      var at = map.project([pt[0], pt[1]], zoom);
      var key = Math.floor(at.x / 48) + ":" + Math.floor(at.y / 48);
      (cells[key] = cells[key] || []).push(pt);
    });
    Object.keys(cells).forEach(function (key) {
      var group = cells[key];
      if (group.length === 1 || zoom >= 17) {
        group.forEach(function (pt) {
          L.circleMarker([pt[0], pt[1]], { radius: 7, color: "#0b4f8a", weight: 2, fillColor: "#f2a900", fillOpacity: 1 })
            .bindPopup(popup(pt)).addTo(markers);
        });
        return;
      }
      var lat = 0, lon = 0;
      group.forEach(function (pt) { lat += pt[0]; lon += pt[1]; });
      var icon = L.divIcon({ className: "map-cluster", html: "", iconSize: [30, 30] });
      var marker = L.marker([lat / group.length, lon / group.length], { icon: icon, keyboard: true });
      marker.on("add", function () { var el = marker.getElement(); if (el) { el.textContent = String(group.length); } });
      marker.on("click", function () {
        map.fitBounds(L.latLngBounds(group.map(function (pt) { return [pt[0], pt[1]]; })), { padding: [24, 24], maxZoom: 18 });
      });
      marker.addTo(markers);
    });
  };
  /* Room at the bottom for the "no background map" note; the markers are drawn above it anyway. */
  var fit = { paddingTopLeft: [16, 16], paddingBottomRight: [16, 48], maxZoom: 15 };
  if (points.length) {
    map.fitBounds(L.latLngBounds(points.map(function (pt) { return [pt[0], pt[1]]; })), fit);
  } else {
    map.fitBounds(outlineLayer.getBounds(), fit);
  }
  map.on("zoomend", draw);
  draw();
})();
