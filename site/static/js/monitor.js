/* The map of the monitor pages (Leaflet, shipped with the site): every object with a location as a
   circle drawn on one canvas (thousands stay fast), a popup with its kind, title and a link to its
   passport. Without a configured tile server, or when tiles cannot load, the circles are drawn on
   a plain background; nothing is loaded from another site unless PASSPORTS_TILE_URL says so. */
(function () {
  "use strict";
  var box = document.getElementById("monitor-map");
  var source = document.getElementById("monitor-map-data");
  if (!box || !source || typeof window.L === "undefined" || !window.registryBaseMap) { return; }
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { return; }
  var points = data.points || [];
  var kinds = data.kinds || [];
  var bbox = data.bbox || [];
  if (!points.length && bbox.length < 3) { box.hidden = true; return; }
  var english = document.documentElement.lang === "en";
  var root = box.getAttribute("data-root") || "";
  var map = window.registryBaseMap(box, { preferCanvas: true });
  var colours = ["#0b4f8a", "#f2a900", "#2e8540", "#b8422e", "#6b4fa0", "#1a8f94", "#8a6d3b", "#5b6b7a",
                 "#d96fa6", "#7fa82e"];
  var renderer = L.canvas({ padding: 0.2 });
  /* The popup is built from elements holding text: a title such as <img onerror=...> stays text. */
  var popup = function (pt) {
    var div = document.createElement("div");
    var kind = document.createElement("div");
    kind.className = "muted";
    kind.textContent = kinds[pt[2]] || "";
    var title = document.createElement("strong");
    title.textContent = (english ? pt[4] : pt[3]) || pt[3] || pt[4] || "";
    div.appendChild(kind);
    div.appendChild(title);
    if (pt[5]) {
      var a = document.createElement("a");
      a.href = root + pt[5];
      a.textContent = box.getAttribute("data-open") || "";
      div.appendChild(document.createElement("br"));
      div.appendChild(a);
    }
    return div;
  };
  var layers = [];
  if (bbox.length > 2) {
    layers.push(L.polygon(bbox, { renderer: renderer, color: "#5b6b7a", weight: 1, dashArray: "4 4",
                                  fillColor: "#dfe7ee", fillOpacity: 0.5, interactive: false }));
  }
  points.forEach(function (pt) {
    var marker = L.circleMarker([pt[0], pt[1]], { renderer: renderer, radius: 5, weight: 1, color: "#ffffff",
                                                  fillColor: colours[pt[2] % colours.length], fillOpacity: 0.9 });
    marker.bindPopup(function () { return popup(pt); });
    layers.push(marker);
  });
  var group = L.featureGroup(layers).addTo(map);
  map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 15 });
})();
