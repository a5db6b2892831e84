// Site search for readers: live results under the search box at the top of every page
// (a WAI-ARIA combobox: arrow keys, Enter, Escape; the number of results is announced) and the
// full results page. The engine (search-engine.js) runs in a Web Worker where the browser
// allows one, so typing never waits for it; from file:// it runs here between keystrokes.
// Every word shown comes from the template (data-text-* attributes), so it can be translated.
(function (global) {
  "use strict";
  // The same interface whether the engine runs in a worker or here. The engine's script is
  // only loaded when someone searches.
  function connect(engineUrl) {
    var base = new URL("search/", engineUrl).href, pending = new Map(), next = 0, local = null, worker = null;
    function localEngine() {
      if (!local) {
        local = new Promise(function (resolve, reject) {
          function make() {
            var cx = global.CxSearch, loader = new cx.Loader(base, cx.injectScripts);
            global.cxsearch = function (key, data) { loader.register(key, data); };
            resolve(new cx.Engine(loader));
          }
          if (global.CxSearch) { make(); return; }
          var el = document.createElement("script");
          el.src = engineUrl;
          el.onload = make;
          el.onerror = function () { local = null; reject(new Error("cannot load " + engineUrl)); };
          document.head.appendChild(el);
        });
      }
      return local;
    }
    if (location.protocol !== "file:" && typeof Worker === "function") {
      try {
        worker = new Worker(engineUrl);
        worker.postMessage({ type: "init", base: base });
        worker.onmessage = function (e) {
          var p = pending.get(e.data.id);
          if (!p) return;
          pending.delete(e.data.id);
          if (e.data.error) p.reject(new Error(e.data.error)); else p.resolve(e.data.result);
        };
        worker.onerror = function () {  // e.g. a policy forbids workers: search here instead
          worker = null;
          pending.forEach(function (p) { p.retry(); });
          pending.clear();
        };
      } catch (e) { worker = null; }
    }
    function ask(type, query, opts) {
      if (!worker) {
        return localEngine().then(function (eng) {
          return type === "more" ? eng.more(query, opts) : eng.search(query, opts);
        });
      }
      var id = ++next;
      if (type === "search") for (var k of pending.keys()) if (k < id) pending.delete(k);  // superseded
      return new Promise(function (resolve, reject) {
        pending.set(id, { resolve: resolve, reject: reject, retry: function () { ask(type, query, opts).then(resolve, reject); } });
        worker.postMessage({ type: type, id: id, query: query, opts: opts });
      });
    }
    return {
      warm: function () {
        if (!worker) localEngine().then(function (eng) { return eng.open(); }).catch(function () {});
      },
      search: function (q, opts) { return ask("search", q, opts); },
      more: function (q, opts) { return ask("more", q, opts); }
    };
  }

  var engineApi = null, engineUrl = null;
  function api() { return engineApi || (engineApi = connect(engineUrl)); }

  var FILE = location.protocol === "file:";
  function pageHref(root, url, anchor) {
    var href = root + url;
    if (FILE && (href === "" || /\/$/.test(href))) href += "index.html";  // no index pages on disk
    return href + (anchor ? "#" + anchor : "");
  }

  // Reader-facing words come from the template (data-text-* on the form), so they translate.
  function texts(form) {
    var lang = document.documentElement.lang || "en", plural = null;
    try { plural = new Intl.PluralRules(lang); } catch (e) { plural = null; }
    var number = new Intl.NumberFormat(lang);
    var names = null;
    try { names = new Intl.DisplayNames([lang], { type: "language" }); } catch (e) { names = null; }
    function get(name) { return form.getAttribute("data-text-" + name) || ""; }
    return {
      get: get,
      // a text with a number in it, in the plural form the language needs for that number
      count: function (name, n, q) {
        var kind = plural ? plural.select(n) : (n === 1 ? "one" : "other");
        var text = get(name + "-" + kind) || get(name + "-other"), values = { n: number.format(n), q: q || "" };
        return text.replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
      },
      number: function (n) { return number.format(n); },
      fill: function (name, values) {
        return get(name).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
      },
      language: function (code) {
        var name = code;
        try { name = names ? names.of(code) : code; } catch (e) { name = code; }
        return name || code;
      }
    };
  }

  function renderSegments(el, segs) {
    for (var i = 0; i < segs.length; i++) {
      if (!segs[i]) continue;
      if (i % 2) {
        var mark = document.createElement("mark");
        mark.textContent = segs[i];
        el.appendChild(mark);
      } else el.appendChild(document.createTextNode(segs[i]));
    }
  }

  function readerLang() { return document.documentElement.lang || ""; }

  // ---- live results in the header box (WAI-ARIA combobox with a listbox popup) --------------
  var DEBOUNCE = 90;

  function liveBox(form) {
    var input = form.querySelector("input[type=search]");
    if (!input) return;
    var t = texts(form), root = form.getAttribute("data-root") || "";
    var list = document.createElement("ul");
    list.id = input.id + "-results";
    list.className = "search-popup";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", t.get("label"));
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var options = [], active = -1, timer = 0, shown = "", searchUrl = form.getAttribute("action");

    function searchPage(q) {
      var href = searchUrl;
      if (FILE && /\/$/.test(href)) href += "index.html";
      return href + "?q=" + encodeURIComponent(q);
    }
    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", String(yes));
      if (!yes) setActive(-1);
    }
    function setActive(i) {
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = i;
      if (i >= 0 && options[i]) {
        options[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function option(href, build) {
      var li = document.createElement("li");
      li.id = list.id + "-" + options.length;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var a = document.createElement("a");
      a.href = href;
      a.tabIndex = -1;
      build(a, li);
      li.appendChild(a);
      options.push(li);
      return li;
    }
    function render(q, result) {
      list.textContent = "";
      options = [];
      active = -1;
      var total = 0;
      result.groups.forEach(function (g, gi) {
        total += g.total;
        var box = list;
        if (!g.own) {
          box = document.createElement("li");
          box.setAttribute("role", "group");
          var label = document.createElement("span");
          label.className = "search-popup-group";
          label.id = list.id + "-g" + gi;
          label.textContent = t.fill("in-language", { language: t.language(g.lang) });
          box.setAttribute("aria-labelledby", label.id);
          box.appendChild(label);
          var inner = document.createElement("ul");
          inner.setAttribute("role", "none");
          box.appendChild(inner);
          list.appendChild(box);
          box = inner;
        }
        g.items.forEach(function (it) {
          box.appendChild(option(pageHref(root, it.url, it.anchor), function (a, li) {
            li.lang = it.lang;
            var title = document.createElement("span");
            title.className = "search-popup-title";
            renderSegments(title, it.title);
            a.appendChild(title);
            var where = [it.section].concat(it.heading ? [it.heading.join("")] : []).filter(Boolean).join(" \u203a ");
            if (where) {
              var sec = document.createElement("span");
              sec.className = "search-popup-section";
              sec.textContent = where;
              a.appendChild(sec);
            }
            var ex = document.createElement("span");
            ex.className = "search-popup-excerpt";
            renderSegments(ex, it.excerpt);
            a.appendChild(ex);
          }));
        });
      });
      if (total > options.length) {
        list.appendChild(option(searchPage(q), function (a, li) {
          li.className = "search-popup-all";
          a.textContent = t.count("all", total);
        }));
      }
      var message = total ? (result.some ? t.get("some") + " " : "") + t.count("results", total, q)
        : t.fill("none", { q: q });
      if (!total) {
        var none = document.createElement("li");
        none.className = "search-popup-none";
        none.setAttribute("role", "presentation");
        none.textContent = message;
        list.appendChild(none);
      }
      status.textContent = message;
      open(true);
    }
    function run() {
      var q = input.value.trim();
      if (!q) { shown = ""; list.textContent = ""; status.textContent = ""; open(false); return; }
      if (q === shown) { open(true); return; }
      var started = performance.now();
      api().search(q, { lang: readerLang(), first: 6, others: 3 }).then(function (result) {
        if (!result || input.value.trim() !== q) return;
        shown = q;
        render(q, result);
        form.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      }, function () {});
    }
    input.addEventListener("focus", function () { api().warm(); }, { once: true });
    input.addEventListener("focus", function () {  // back to the box: the same results again
      if (shown && input.value.trim() === shown && list.children.length) open(true);
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) { if (options.length) open(true); else run(); e.preventDefault(); return; }
        var n = options.length;
        if (!n) return;
        e.preventDefault();
        if (e.key === "ArrowDown") setActive(active + 1 >= n ? 0 : active + 1);
        else setActive(active <= 0 ? n - 1 : active - 1);
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          options[active].querySelector("a").click();
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ""; run(); }
      } else if (e.key === "Tab") open(false);
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep focus
    input.addEventListener("blur", function () { open(false); });
    form.addEventListener("submit", function (e) {
      var q = input.value.trim();
      e.preventDefault();
      if (q) location.href = searchPage(q);
    });
  }

  // ---- the search page ------------------------------------------------------------------------
  var PAGE_SIZE = 10;

  function resultsPage(form) {
    var input = form.querySelector("input[type=search]");
    var box = document.getElementById("search-results"), status = document.getElementById("search-status");
    if (!input || !box || !status) return;
    var t = texts(form), root = form.getAttribute("data-root") || "", timer = 0, current = "";

    function entry(it) {
      var li = document.createElement("li");
      li.lang = it.lang;
      var a = document.createElement("a");
      a.href = pageHref(root, it.url, it.anchor);
      renderSegments(a, it.title);
      li.appendChild(a);
      var where = [it.section].concat(it.heading ? [it.heading.join("")] : []).filter(Boolean).join(" \u203a ");
      if (where) {
        var s = document.createElement("span");
        s.className = "search-section";
        s.textContent = where;
        li.appendChild(s);
      }
      var p = document.createElement("p");
      renderSegments(p, it.excerpt);
      li.appendChild(p);
      return li;
    }
    function section(q, g) {
      var sec = document.createElement("section");
      sec.className = "search-group";
      sec.lang = g.lang;
      if (!g.own) {
        var h = document.createElement("h2");
        h.textContent = t.fill("language-group", { language: t.language(g.lang), n: t.number(g.total) });
        sec.appendChild(h);
      }
      var ol = document.createElement("ol");
      ol.className = "search-list";
      g.items.forEach(function (it) { ol.appendChild(entry(it)); });
      sec.appendChild(ol);
      if (g.total > g.items.length) {
        var more = document.createElement("button");
        more.type = "button";
        more.className = "search-more";
        more.textContent = t.get("more");
        more.addEventListener("click", function () {
          more.disabled = true;
          var shownCount = ol.children.length;
          api().more(q, { lang: readerLang(), from: shownCount, first: PAGE_SIZE, others: PAGE_SIZE, lang_only: g.lang }).then(function (r) {
            if (!r) return;
            var next = r.groups.filter(function (x) { return x.lang === g.lang; })[0];
            var focus = null;
            (next ? next.items : []).forEach(function (it) {
              var li = entry(it);
              ol.appendChild(li);
              focus = focus || li.querySelector("a");
            });
            if (focus) focus.focus();
            if (ol.children.length >= g.total) more.remove(); else more.disabled = false;
          });
        });
        sec.appendChild(more);
      }
      return sec;
    }
    function run() {
      var q = input.value.trim();
      try {
        var url = new URL(location.href);
        url.searchParams.set("q", q);
        history.replaceState(null, "", url);
      } catch (e) { /* some browsers refuse this on file:// */ }
      if (q === current) return;
      current = q;
      if (!q) { box.textContent = ""; status.textContent = ""; return; }
      var started = performance.now();
      api().search(q, { lang: readerLang(), first: PAGE_SIZE, others: PAGE_SIZE }).then(function (r) {
        if (!r || input.value.trim() !== q) return;
        box.textContent = "";
        var total = 0;
        r.groups.forEach(function (g, i) { total += g.total; box.appendChild(section(q, g)); });
        status.textContent = total ? (r.some ? t.get("some") + " " : "") + t.count("results", total, q) : t.fill("none", { q: q });
        form.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      }, function () { status.textContent = t.get("failed"); });
    }
    var initial = new URLSearchParams(location.search).get("q") || "";
    input.value = initial;
    if (initial) run(); else api().warm();
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, DEBOUNCE); });
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); current = null; run(); });
  }

  function start() {
    document.querySelectorAll("form[data-search]").forEach(function (form) {
      engineUrl = engineUrl || new URL(form.getAttribute("data-engine"), location.href).href;
      if (form.getAttribute("data-search") === "page") resultsPage(form); else liveBox(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})(typeof self !== "undefined" ? self : this);
