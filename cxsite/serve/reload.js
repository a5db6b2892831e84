// cxsite serve: reload this page when the site is rebuilt. Only the dev server adds this
// script, to the pages it sends; the files in the output folder never contain it.
(function () {
  "use strict";
  var script = document.currentScript;
  var token = script.getAttribute("data-token");
  var path = script.getAttribute("data-path");  // this page's file, or "*" for any change
  // a build failed: the error panel is over the page; keyboard and screen reader start there
  var panel = document.getElementById("cxsite-errors");
  if (panel) {
    panel.focus();
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") panel.remove();
    });
  }
  var events = new EventSource("/__cxsite/events?token=" + encodeURIComponent(token));
  events.addEventListener("reload", function (event) {
    var data = JSON.parse(event.data);
    if (data.paths === null || path === "*" || data.paths.indexOf(path) >= 0) {
      events.close();
      window.location.reload();
    }
  });
  window.addEventListener("pagehide", function () { events.close(); });
})();
