// Starts Swagger UI on the served OpenAPI document. A file of its own, not an inline script, so
// the page runs under a Content-Security-Policy that allows only this server's scripts.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    validatorUrl: null,
    // A token typed into "Authorize" lives in this page only, never in the browser's storage.
    persistAuthorization: false,
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true
  });
})();
