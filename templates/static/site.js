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
