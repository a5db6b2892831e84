// Site search: every word typed must appear in the page (substring match, so Chinese works).
(function () {
  var t = window.cxsite || { gettext: function (s) { return s; }, ngettext: function (a, b, n) { return n === 1 ? a : b; } };
  var _ = t.gettext, ngettext = t.ngettext;
  var pages = window.CXSITE_SEARCH || [];
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list) return;
  var root = list.getAttribute("data-root") || "";
  var lowered = pages.map(function (p) { return { title: p.t.toLowerCase(), text: p.x.toLowerCase() }; });

  function count(hay, needle) {
    var n = 0, i = hay.indexOf(needle);
    while (i !== -1 && n < 50) { n++; i = hay.indexOf(needle, i + needle.length); }
    return n;
  }

  function snippet(text, lower, term) {
    var at = Math.max(0, lower.indexOf(term));
    var start = Math.max(0, at - 80);
    var p = document.createElement("p");
    p.appendChild(document.createTextNode((start ? "… " : "") + text.slice(start, at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + term.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(at + term.length, at + term.length + 160) + " …"));
    return p;
  }

  function run(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!terms.length) { status.textContent = ""; return; }
    var hits = [];
    pages.forEach(function (page, i) {
      var l = lowered[i], score = 0;
      for (var t = 0; t < terms.length; t++) {
        var inTitle = l.title.indexOf(terms[t]) !== -1, n = count(l.text, terms[t]);
        if (!inTitle && !n) return;
        score += (inTitle ? 20 : 0) + n;
      }
      hits.push({ page: page, low: l, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.page.t.localeCompare(b.page.t); });
    hits.slice(0, 50).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + h.page.u;
      a.textContent = h.page.t;
      li.appendChild(a);
      if (h.page.s) {
        var s = document.createElement("span");
        s.className = "search-section";
        s.textContent = " · " + h.page.s;
        li.appendChild(s);
      }
      li.appendChild(snippet(h.page.x, h.low.text, terms[0]));
      list.appendChild(li);
    });
    status.textContent = hits.length === 0 ? _("No pages match \u201c%(query)s\u201d.", { query: query })
      : hits.length > 50 ? _("%(count)s pages match \u201c%(query)s\u201d (showing the first 50).", { count: hits.length.toLocaleString(t.lang), query: query })
      : ngettext("%(num)s page matches \u201c%(query)s\u201d.", "%(num)s pages match \u201c%(query)s\u201d.", hits.length, { query: query });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  run(initial);
  input.addEventListener("input", function () {
    run(input.value);
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url);
  });
})();
