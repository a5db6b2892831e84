// Progressive enhancement only: every page works without this script.
(function () {
  // Translations for the theme's scripts: window.CXSITE_I18N comes from the page's language
  // (messages.<lang>.js). _("text", {name: value}) and ngettext("one", "many", n, {...}) fill
  // %(name)s placeholders; %(num)s is n.
  var i18n = window.CXSITE_I18N || { messages: {}, plural: function (n) { return n === 1 ? 0 : 1; } };
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }
  function gettext(text, values) {
    var found = i18n.messages[text];
    return fill(typeof found === "string" ? found : text, values);
  }
  function ngettext(one, many, n, values) {
    var forms = i18n.messages[one];
    var i = i18n.plural(n);
    var text = Array.isArray(forms) && forms[i] !== undefined ? forms[i] : (n === 1 ? one : many);
    var all = { num: n.toLocaleString(i18n.lang) };
    for (var k in values || {}) all[k] = values[k];
    return fill(text, all);
  }
  window.cxsite = { lang: i18n.lang || document.documentElement.lang, gettext: gettext, ngettext: ngettext };

  document.documentElement.classList.add("js");

  // Opened from a file share (file://), a link to a folder ("roadmap/") shows the folder's
  // listing, not its page: point such links at the folder's index.html. Over http the clean
  // links stay as they are. Links added later (search results) are fixed when followed.
  if (location.protocol === "file:") {
    var folder = function (url) {
      var m = /^([^?#]*)(.*)$/.exec(url), path = m[1];
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(path)) return url;  // another scheme or host
      if (path === "" ) return url;                               // "#anchor" or "?q" on this page
      if (path === "." || path === ".." || /(^|\/)\.\.?$/.test(path)) path += "/";
      return /\/$/.test(path) ? path + "index.html" + m[2] : url;
    };
    var fix = function (el, attr) {
      var v = el.getAttribute(attr);
      if (v !== null) { var w = folder(v); if (w !== v) el.setAttribute(attr, w); }
    };
    document.querySelectorAll("a[href]").forEach(function (a) { fix(a, "href"); });
    document.querySelectorAll("form[action]").forEach(function (f) { fix(f, "action"); });
    var follow = function (e) {
      var a = e.target.closest && e.target.closest("a[href]");
      if (a) fix(a, "href");
    };
    document.addEventListener("click", follow, true);
    document.addEventListener("auxclick", follow, true);
    document.addEventListener("submit", function (e) { if (e.target.action) fix(e.target, "action"); }, true);
  }

  var button = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (!button || !nav) return;
  var narrow = window.matchMedia("(max-width: 48rem)");
  function sync() { button.hidden = !narrow.matches; }
  sync();
  narrow.addEventListener("change", sync);
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("is-open");
    button.setAttribute("aria-expanded", String(open));
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
