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

  // A single or layered chart is laid out at the width of its column (a phone's 358 px or a
  // desktop's 46rem), so its text keeps its size instead of being shrunk with the picture.
  // Composite charts (facets, concatenations) keep the width they were drawn at.
  var COMPOSITE = ["facet", "repeat", "concat", "hconcat", "vconcat"];
  function plotHeight(figure) {
    // the static chart's plot area: <path class="background" d="M0.5,0.5h460v128h-460Z">
    var bg = figure.querySelector(".cx-chart-static .role-frame.root > g > path.background");
    var m = bg && /v([0-9.]+)/.exec(bg.getAttribute("d") || "");
    return m ? Math.round(parseFloat(m[1])) : 0;
  }

  function fitWidth(spec, live, figure) {
    if (COMPOSITE.some(function (k) { return k in spec; })) return;
    var enc = spec.encoding || {};
    if (enc.row || enc.column || enc.facet) return;
    var width = live.clientWidth;
    if (!width) return;
    // a height in steps (one per bar) cannot be kept while the width fits (Vega-Lite warns):
    // take the height the static chart was drawn at
    if (spec.height && typeof spec.height === "object") {
      var h = plotHeight(figure);
      if (!h) return;
      spec.height = h;
    }
    spec.width = width;
    spec.autosize = { type: "fit-x", contains: "padding" };
    if (width < 560) {  // long axis and legend labels give way to the plot on a narrow column
      var limit = Math.max(90, Math.round(width * 0.38));
      spec.config = spec.config || {};
      ["axis", "legend"].forEach(function (k) {
        spec.config[k] = Object.assign({}, spec.config[k], { labelLimit: limit });
      });
      spec.config.legend.orient = "bottom";
      spec.config.legend.direction = "horizontal";
    }
  }

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
    live.hidden = false;
    figure.cxWidth = live.clientWidth;
    fitWidth(spec, live, figure);
    window.vegaEmbed(live, spec, { renderer: "svg", actions: ACTIONS, i18n: I18N, downloadFileName: figure.id })
      .then(function () {
        // one image to screen readers, named by the figure's caption, as the static chart is
        // (vega-embed's wrapper and marks would add English role names)
        var wrapper = live.firstElementChild, svg = live.querySelector("svg.marks");
        if (wrapper) ["role", "aria-roledescription", "aria-label"].forEach(function (a) { wrapper.removeAttribute(a); });
        var named = live.querySelectorAll("[aria-roledescription], svg.marks [role]");
        for (var i = 0; i < named.length; i++) {
          named[i].removeAttribute("aria-roledescription");
          named[i].removeAttribute("role");  // nameless marks inside the one image
        }
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-labelledby", figure.id + "-caption");
        }
        // the actions menu's button is an icon: give it a name screen readers say
        var menu = live.querySelector("details > summary");
        if (menu) menu.setAttribute("aria-label", I18N.CLICK_TO_VIEW_ACTIONS);
        live.hidden = false;
        figure.classList.add("cx-chart--live");
      })
      .catch(function (err) {
        live.hidden = true; // keep the static chart; say why for whoever looks
        if (window.console) console.warn("cxsite: chart " + figure.id + " stays static:", err);
      });
  }

  var resizeTimer = 0;
  function relayout() {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      var figures = document.querySelectorAll("figure.cx-chart--live");
      for (var i = 0; i < figures.length; i++) {
        var f = figures[i], live = f.querySelector(".cx-chart-live");
        if (Math.abs(live.clientWidth - (f.cxWidth || 0)) > 24) {
          f.classList.remove("cx-chart--live");
          embed(f);
        }
      }
    }, 200);
  }

  function embedAll() {
    if (typeof window.vegaEmbed !== "function") return;
    var figures = document.querySelectorAll("figure.cx-chart");
    for (var i = 0; i < figures.length; i++) embed(figures[i]);
    window.addEventListener("resize", relayout);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", embedAll);
  else embedAll();
})();
