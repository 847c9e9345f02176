// Swagger UI for /api/docs, from files installed with the platform (no CDN), started
// from a file rather than an inline script so that a strict Content-Security-Policy holds.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    syntaxHighlight: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
