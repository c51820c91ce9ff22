/* Starts Swagger UI (site/static/vendor/swagger-ui, shipped with the site) on the API
   documentation page; the address of the OpenAPI document is the data-openapi-url attribute. */
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  if (!box || typeof window.SwaggerUIBundle === "undefined") { return; }
  window.SwaggerUIBundle({
    url: box.getAttribute("data-openapi-url"),
    domNode: box,
    deepLinking: true,
    validatorUrl: null,          /* no badge fetched from another site */
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
