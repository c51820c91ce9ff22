/* The query editor of the SPARQL page (YASGUI, shipped with the site): the saved queries as tabs,
   the current query (from the URL) first. Without it the plain form of the page stays. The data
   comes from the page's <script type="application/json"> blocks and data-* attributes (the pages'
   Content-Security-Policy allows no inline script). */
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  var lib = window.Yasgui;
  if (!el || !lib) { return; }  /* no editor: the plain form stays */
  var Yasgui = lib["default"] || lib;
  var saved = JSON.parse(document.getElementById("saved-queries").textContent);
  var current = JSON.parse(document.getElementById("current-query").textContent);
  var endpoint = new URL(el.getAttribute("data-endpoint"), window.location.href).href;
  var english = document.documentElement.lang === "en";
  var wanted = new URLSearchParams(window.location.search).get("tab");
  el.hidden = false;
  var yasgui = new Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    autoAddOnInit: false,
    populateFromUrl: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasr: { pluginOrder: ["table", "response"], defaultPlugin: "table" }
  });
  var active = false;
  if (current) { yasgui.addTab(true, { name: english ? "Query" : "Query", yasqe: { value: current } }); active = true; }
  saved.forEach(function (q) {
    if (!q.tab && q.name !== wanted) { return; }
    var select = !active && (wanted ? q.name === wanted : true);
    yasgui.addTab(select, { name: english ? q.title_en : q.title_nl, yasqe: { value: q.query } });
    if (select) { active = true; }
  });
  if (!active) { yasgui.addTab(true); }
  var form = document.getElementById("sparql-form");
  if (form) { form.hidden = true; }
})();
