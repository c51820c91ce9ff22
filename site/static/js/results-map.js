/* The map of search results (Leaflet, shipped with the site): one marker per result with a
   location, nearby markers drawn as one numbered circle until zoomed in (a grid per zoom level);
   a popup names the object and its kind and links to its passport. Without a configured tile
   server, or when tiles cannot load, the markers are drawn on a plain background. Every text is
   set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var box = document.getElementById("results-map");
  var source = document.getElementById("results-map-data");
  if (!box || !source || typeof window.L === "undefined") { return; }
  var points;
  try { points = JSON.parse(source.textContent); } catch (e) { return; }
  if (!points.length) { box.hidden = true; return; }
  box.classList.add("map-live");
  var map = L.map(box, { scrollWheelZoom: false, zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  var plain = function () {
    box.classList.add("map-plain");
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
    layer.on("tileerror", function () { failed += 1; if (failed === 1) { plain(); } });
    layer.addTo(map);
  } else {
    plain();
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
  map.fitBounds(L.latLngBounds(points.map(function (pt) { return [pt[0], pt[1]]; })), { padding: [16, 16], maxZoom: 15 });
  map.on("zoomend", draw);
  draw();
})();
