// Progressive enhancement only: every page works without this script.
(function () {
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
