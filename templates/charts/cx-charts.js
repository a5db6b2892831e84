/* cxsite charts: replace each static chart (SVG drawn at build time) with the interactive one.
   The spec sits in the figure as JSON; the Vega libraries come from the site itself. */
(function () {
  "use strict";
  var ACTIONS = { export: true, source: false, compiled: false, editor: false };
  var _ = window.cxsite ? window.cxsite.gettext : function (s) { return s; };
  // vega-embed's menu, in the page's language
  var I18N = {
    CLICK_TO_VIEW_ACTIONS: _("Click to view actions"),
    PNG_ACTION: _("Save as PNG"),
    SVG_ACTION: _("Save as SVG"),
    COMPILED_ACTION: _("View compiled Vega"),
    EDITOR_ACTION: _("Open in Vega Editor"),
    SOURCE_ACTION: _("View source")
  };

  function embed(figure) {
    var specEl = figure.querySelector("script.cx-chart-spec");
    var live = figure.querySelector(".cx-chart-live");
    if (!specEl || !live || figure.classList.contains("cx-chart--live")) return;
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (e) {
      return; // the static chart stays
    }
    window.vegaEmbed(live, spec, { renderer: "svg", actions: ACTIONS, i18n: I18N, downloadFileName: figure.id })
      .then(function () {
        // one image to screen readers, named by the figure's caption, as the static chart is
        // (vega-embed's wrapper and marks would add English role names)
        var wrapper = live.firstElementChild, svg = live.querySelector("svg");
        if (wrapper) ["role", "aria-roledescription", "aria-label"].forEach(function (a) { wrapper.removeAttribute(a); });
        var named = live.querySelectorAll("[aria-roledescription]");
        for (var i = 0; i < named.length; i++) named[i].removeAttribute("aria-roledescription");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-labelledby", figure.id + "-caption");
        }
        live.hidden = false;
        figure.classList.add("cx-chart--live");
      })
      .catch(function (err) {
        live.hidden = true; // keep the static chart; say why for whoever looks
        if (window.console) console.warn("cxsite: chart " + figure.id + " stays static:", err);
      });
  }

  function embedAll() {
    if (typeof window.vegaEmbed !== "function") return;
    var figures = document.querySelectorAll("figure.cx-chart");
    for (var i = 0; i < figures.length; i++) embed(figures[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", embedAll);
  else embedAll();
})();
