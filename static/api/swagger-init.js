// The API docs page: django-ninja's bundled Swagger UI, started from the settings in a data attribute, so the
// page runs no inline script under the app's Content-Security-Policy. Paste a token with "Authorize".
const root = document.getElementById("swagger-ui");
const config = JSON.parse(root.dataset.settings);
config.dom_id = "#swagger-ui";
config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
SwaggerUIBundle(config);
