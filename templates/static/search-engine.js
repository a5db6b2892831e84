// The search engine: ranks pages like a search engine (BM25, title and heading boosts,
// phrases, prefixes, typos), loads only the parts of the index a query needs, as <script>
// files so it works from file:// and a file share, and finds Chinese inside longer words.
// It runs in a Web Worker where the browser allows one (this same file), else in the page
// (search.js decides). The index is written by cxsite/search/index.py; words are cut exactly
// as in cxsite/search/tokens.py.
(function (global) {
  "use strict";

  // ---- words: must match cxsite/search/tokens.py ------------------------------------------
  var CJK = "\u3005-\u3007\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff" +
    "\uac00-\ud7af\u{20000}-\u{3134f}";
  var IS_CJK = new RegExp("^[" + CJK + "]", "u");
  var RUNS = new RegExp("([" + CJK + "]+)|([^" + CJK + "]+)", "gu");
  var WORDS = /[\p{L}\p{N}]+/gu;
  var FOLDED_WORDS = /[\p{L}\p{N}]+/gu;  // a second one: WORDS keeps its place in a loop
  var MAX_WORD = 40;
  var TYPO_MIN = 5;  // letters: a word this long may be misspelt (index.py knows it too)

  function fold(s) {
    return s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]+/g, "").normalize("NFKC");
  }

  // Tokens of a text as the reader sees it: {s, e (offsets in the text), f (folded), c (CJK)}.
  // A CJK run gives one token per character; each token is one position, as in the index.
  function textTokens(text) {
    var out = [], m, r;
    WORDS.lastIndex = 0;
    while ((m = WORDS.exec(text))) {
      var word = m[0], base = m.index;
      RUNS.lastIndex = 0;
      while ((r = RUNS.exec(word))) {
        var at = base + r.index;
        if (r[1]) {
          for (var ch of r[1]) { out.push({ s: at, e: at + ch.length, f: fold(ch), c: true }); at += ch.length; }
        } else {
          var folded = fold(r[2]);
          // folding can itself split a word ("½" is "1⁄2"); keep its letters and digits
          var inner = folded.match(FOLDED_WORDS);
          if (!inner) continue;
          for (var i = 0; i < inner.length; i++) out.push({ s: at, e: at + r[2].length, f: inner[i].slice(0, MAX_WORD), c: false });
        }
      }
    }
    return out;
  }

  // ---- the query ----------------------------------------------------------------------------
  var QUOTES = /["\u201c\u201d\u201e\u300c\u300d\u300e\u300f\uff02]/;

  // A query is a list of groups, each of which a page must match:
  //   {word: term, prefix, typo}   one word (or one CJK character or pair)
  //   {slots: [{term, at, prefix}]} a phrase: terms at consecutive positions
  function parse(query) {
    var groups = [], parts = query.split(QUOTES);
    for (var i = 0; i < parts.length; i++) {
      var quoted = i % 2 === 1;
      var chunks = quoted ? [parts[i]] : parts[i].split(/\s+/);
      for (var j = 0; j < chunks.length; j++) {
        var g = group(chunks[j], quoted);
        if (g) groups.push(g);
      }
    }
    return groups;
  }

  function group(chunk, quoted) {
    var slots = [], at = 0, toks = textTokens(fold(chunk));
    for (var i = 0; i < toks.length; i++) {
      var t = toks[i];
      if (!t.c) { slots.push({ term: t.f, at: at, prefix: false }); at++; continue; }
      var run = [t.f];
      while (i + 1 < toks.length && toks[i + 1].c && toks[i + 1].s === toks[i].e) run.push(toks[++i].f);
      if (run.length === 1) slots.push({ term: run[0], at: at, prefix: true });
      for (var k = 0; k + 1 < run.length; k++) slots.push({ term: run[k] + run[k + 1], at: at + k, prefix: false });
      at += run.length;
    }
    if (!slots.length) return null;
    if (slots.length === 1) {
      var s = slots[0], latin = !IS_CJK.test(s.term);
      return {
        word: s.term, text: chunk,
        prefix: s.prefix || (!quoted && latin && s.term.length >= 2),
        typo: !quoted && latin && s.term.length >= TYPO_MIN && /^\p{L}+$/u.test(s.term)
      };
    }
    return { slots: slots, text: chunk };
  }

  // ---- loading index files ------------------------------------------------------------------
  // Every index file calls cxsearch(key, 'JSON'); the loader resolves the promise for that key.
  function Loader(base, inject) {
    this.base = base;
    this.inject = inject;
    this.slots = new Map();
  }
  Loader.prototype.slot = function (key) {
    var s = this.slots.get(key);
    if (!s) {
      s = { started: false };
      s.promise = new Promise(function (resolve, reject) { s.resolve = resolve; s.reject = reject; });
      this.slots.set(key, s);
    }
    return s;
  };
  Loader.prototype.register = function (key, json) {
    var s = this.slot(key);
    s.done = true;
    s.resolve(JSON.parse(json));
  };
  Loader.prototype.load = function (keys, fresh) {
    var self = this, todo = [];
    var promises = keys.map(function (key) {
      var s = self.slot(key);
      if (!s.started) { s.started = true; todo.push(key); }
      return s.promise;
    });
    if (todo.length) {
      var bust = fresh && !/^file:/.test(this.base) ? "?t=" + Date.now() : "";
      this.inject(todo.map(function (k) { return self.base + k + ".js" + bust; }), todo, function (key, err) {
        var s = self.slots.get(key);
        if (!s || s.done) return;
        self.slots.delete(key);  // a file that failed may be tried again
        s.reject(err || new Error("no search data in " + key));
      });
    }
    this.trim(keys);
    return Promise.all(promises);
  };
  Loader.prototype.forget = function (key) { this.slots.delete(key); };

  // Memory stays bounded in a long session: beyond these many files of a kind, the least
  // recently used are forgotten (and loaded again if a later query needs them).
  var KEEP = { t: 100, p: 8, f: 150 };
  Loader.prototype.trim = function (using) {
    var self = this, counts = {}, busy = new Set(using);
    using.forEach(function (k) { var s = self.slots.get(k); self.slots.delete(k); self.slots.set(k, s); });
    Array.from(this.slots.keys()).reverse().forEach(function (k) {
      var kind = k.split("/")[0];
      counts[kind] = (counts[kind] || 0) + 1;
      if (counts[kind] > KEEP[kind] && !busy.has(k) && self.slots.get(k).done) self.slots.delete(k);
    });
  };

  // In a page: <script> elements (allowed from file://, where fetch() is not). `done(key, error)`
  // is called when each file has run or failed.
  function injectScripts(urls, keys, done) {
    urls.forEach(function (url, i) {
      var el = document.createElement("script");
      el.src = url;
      el.charset = "utf-8";
      el.async = true;
      el.onload = function () { el.remove(); done(keys[i]); };
      el.onerror = function () { el.remove(); done(keys[i], new Error("cannot load " + url)); };
      document.head.appendChild(el);
    });
  }

  // In a worker: importScripts fetches the files in parallel and runs them in order.
  function importAll(urls, keys, done) {
    try {
      importScripts.apply(null, urls);
    } catch (e) {
      for (var i = 0; i < keys.length; i++) {
        try { importScripts(urls[i]); } catch (e2) { done(keys[i], e2); }
      }
    }
    keys.forEach(function (k) { done(k); });
  }

  // ---- ranking ------------------------------------------------------------------------------
  var K1 = 1.2, B = 0.75;  // BM25
  var TITLE = 2.5;  // a word in the title is worth this much more than its count in the text
  var PREFIX = 0.5, TYPO = 0.35;  // a word that only starts with, or nearly is, the word typed
  var MAX_EXPANSIONS = 64;
  var MAX_WORDS = 16;
  var MAX_NEAR = 8;  // near misses of a misspelt word that are looked up
  var RARE = 3;  // a word on fewer pages than this may be a typo in the text: try near misses
  var MAX_PREFIX_SHARDS = 3;
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

  function Engine(loader) {
    this.loader = loader;
    this.index = null;
    this.latest = 0;
    this.last = null;  // the last ranking, for "show more"
  }

  Engine.prototype.open = function () {
    var self = this;
    if (!this.opening) {
      this.opening = this.loader.load(["entry"], true).then(function (found) {
        return self.loader.load([found[0]]);
      }).then(function (found) {
        self.index = prepare(found[0]);
        return self.index;
      });
      this.opening.catch(function () { self.reset(); });
    }
    return this.opening;
  };

  // After the site was published again, old file names are gone: start from entry.js again.
  Engine.prototype.reset = function () {
    this.opening = null;
    this.index = null;
    this.loader.forget("entry");
  };

  function prepare(m) {
    var n = m.n, lens = new Float32Array(n), total = 0;
    for (var d = 0; d < n; d++) {
      lens[d] = Math.pow(m.step, ALPHABET.indexOf(m.len.charAt(d))) - 1;
      total += lens[d];
    }
    var langs = new Uint8Array(n);
    if (m.lang) for (var i = 0; i < n; i++) langs[i] = ALPHABET.indexOf(m.lang.charAt(i));
    var per = m.fp, width = n ? m.f.length / Math.ceil(n / per) : 0;  // `per` pages' texts a file
    return { m: m, n: n, lens: lens, avg: total / Math.max(1, n) || 1, langs: langs, per: per, width: width, shards: new Map(), terms: new Map() };
  }

  function shardOf(ix, term) {
    var s = ix.m.s, lo = 0, hi = s.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (s[mid][0] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // Shard numbers holding a term, or every term starting with it.
  function shardRange(ix, term, prefix) {
    var a = shardOf(ix, term);
    if (!prefix) return [a];
    var b = Math.min(shardOf(ix, term + "\uffff"), a + MAX_PREFIX_SHARDS - 1), out = [];
    for (var i = a; i <= b; i++) out.push(i);
    return out;
  }

  function tkey(ix, i) { return "t/" + ix.m.s[i][1]; }
  function pkey(ix, i) { return "p/" + ix.m.s[i][2]; }
  function fkey(ix, d) {
    var b = Math.floor(d / ix.per);
    return "f/" + b.toString(16) + "-" + ix.m.f.substr(b * ix.width, ix.width);
  }

  // A loaded shard: {terms, postings, at: Map term -> its number in the shard}.
  function termsOf(ix, shard) {
    var key = tkey(ix, shard), found = ix.terms.get(key);
    if (!found) {
      var data = ix.shards.get(key);
      found = { terms: data[0], postings: data[1], at: new Map() };
      for (var i = 0; i < data[0].length; i++) found.at.set(data[0][i], i);
      ix.terms.set(key, found);
    }
    return found;
  }

  // Optimal string alignment distance, giving up above `max`.
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev2 = null, prev = [], cur;
    for (var j = 0; j <= b.length; j++) prev[j] = j;
    for (var i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1))
          v = Math.min(v, prev2[j - 2] + 1);
        cur[j] = v;
        if (v < best) best = v;
      }
      if (best > max) return max + 1;
      prev2 = prev;
      prev = cur;
    }
    return prev[b.length];
  }

  // The terms a word group stands for: itself, words starting with it (for Chinese: the
  // pairs starting with the character, as good as the character itself) and near misses.
  // A near miss counts when the word itself is absent, or much rarer (a typo in the text).
  function expand(ix, g, shards) {
    var found = [], seen = new Set(), near = [], exact = 0;
    var prefixWeight = IS_CJK.test(g.word) ? 1 : PREFIX, maxDist = g.word.length >= 9 ? 2 : 1;
    shards.forEach(function (i) {
      var data = termsOf(ix, i), terms = data.terms;
      var at = data.at.get(g.word);
      if (at !== undefined && !seen.has(g.word)) {
        seen.add(g.word);
        exact = data.postings[at].length / 2;
        found.push({ term: g.word, weight: 1, postings: data.postings[at] });
      }
      if (!g.prefix && !g.typo) return;
      for (var k = 0; k < terms.length; k++) {
        var t = terms[k];
        if (seen.has(t) || t.indexOf(" ") >= 0) continue;  // "a b": words side by side in a title
        if (g.prefix && t.length > g.word.length && t.lastIndexOf(g.word, 0) === 0) {
          seen.add(t);
          found.push({ term: t, weight: prefixWeight, postings: data.postings[k] });
        } else if (g.typo && t.length >= TYPO_MIN - 1 && distance(g.word, t, maxDist) <= maxDist) {
          seen.add(t);
          near.push({ term: t, weight: TYPO, postings: data.postings[k] });
        }
      }
    });
    near.forEach(function (x) { if (x.postings.length / 2 > 10 * exact) found.push(x); });
    if (found.length > MAX_EXPANSIONS) {
      found.sort(function (a, b) { return b.weight - a.weight || b.postings.length - a.postings.length; });
      found.length = MAX_EXPANSIONS;
    }
    return found;
  }

  // Words typed one after the other, as the index keeps them from titles and headings.
  function pairsOf(groups) {
    var out = [], prev = null;
    function add(a, b) { if (a && b && !IS_CJK.test(a) && !IS_CJK.test(b)) out.push(a + " " + b); }
    groups.forEach(function (g) {
      if (g.word !== undefined) { add(prev, g.word); prev = g.word; return; }
      for (var i = 1; i < g.slots.length; i++) if (g.slots[i].at === g.slots[i - 1].at + 1) add(g.slots[i - 1].term, g.slots[i].term);
      prev = null;
    });
    return out;
  }

  function idf(n, df) { return Math.log(1 + (n - df + 0.5) / (df + 0.5)); }

  function tfPart(ix, v, d) {
    var w = v >> 1, s = 0;
    if (w) s = w * (K1 + 1) / (w + K1 * (1 - B + B * ix.lens[d] / ix.avg));
    return (v & 1) ? s + TITLE : s;
  }

  // Scores of one word group: Float32Array by page, 0 where the page does not match.
  function scoreWord(ix, expansions) {
    var best = new Float32Array(ix.n), df = 0;
    for (var e = 0; e < expansions.length; e++) {
      var p = expansions[e].postings, w = expansions[e].weight, d = 0;
      for (var i = 0; i < p.length; i += 2) {
        d += p[i];
        var s = w * tfPart(ix, p[i + 1], d);
        if (best[d] === 0) df++;
        if (s > best[d]) best[d] = s;
      }
    }
    var f = idf(ix.n, df);
    for (var k = 0; k < best.length; k++) if (best[k]) best[k] *= f;
    return best;
  }

  // Positions of the pages in `wanted` for one term: Map page -> Int32Array of positions.
  function positionsOf(postings, flat, wanted) {
    var out = new Map(), d = 0, at = 0;
    for (var i = 0; i < postings.length; i += 2) {
      d += postings[i];
      var count = flat[at++];
      if (wanted[d]) {
        var ps = new Int32Array(count), p = 0;
        for (var k = 0; k < count; k++) { p += flat[at + k]; ps[k] = p; }
        out.set(d, ps);
      }
      at += count;
    }
    return out;
  }

  // Scores of a phrase group: the terms' pages, kept where the terms follow each other.
  function scorePhrase(ix, slots) {
    var n = ix.n, count = new Uint8Array(n), i, s, e, d;
    for (s = 0; s < slots.length; s++) {
      var mark = new Uint8Array(n);
      for (e = 0; e < slots[s].exp.length; e++) {
        var p = slots[s].exp[e].postings;
        d = 0;
        for (i = 0; i < p.length; i += 2) { d += p[i]; mark[d] = 1; }
      }
      for (d = 0; d < n; d++) if (mark[d]) count[d]++;
    }
    var wanted = new Uint8Array(n);
    for (d = 0; d < n; d++) if (count[d] === slots.length) wanted[d] = 1;
    var where = slots.map(function (slot) {
      return slot.exp.map(function (x) { return positionsOf(x.postings, x.positions, wanted); });
    });
    var out = new Float32Array(n), occurrences = new Uint16Array(n), df = 0;
    for (d = 0; d < n; d++) {
      if (!wanted[d]) continue;
      var sets = where.map(function (list, k) {
        var all = new Set();
        list.forEach(function (m) { var ps = m.get(d); if (ps) ps.forEach(function (x) { all.add(x - slots[k].at); }); });
        return all;
      });
      var hits = 0;
      sets[0].forEach(function (start) {
        for (var k = 1; k < sets.length; k++) if (!sets[k].has(start)) return;
        hits++;
      });
      if (hits) { occurrences[d] = Math.min(hits, 65535); df++; }
    }
    var weight = 0;
    slots.forEach(function (slot) {
      var len = slot.exp.length ? slot.exp[0].postings.length / 2 : n;
      weight += idf(n, len);
    });
    weight = Math.max(weight, idf(n, df));
    for (d = 0; d < n; d++) {
      if (!occurrences[d]) continue;
      var w = occurrences[d], inTitle = true;
      for (s = 0; s < slots.length && inTitle; s++) {
        var v = valueOf(slots[s].exp[0].postings, d);
        inTitle = v !== null && (v & 1) === 1;
      }
      out[d] = weight * (w * (K1 + 1) / (w + K1 * (1 - B + B * ix.lens[d] / ix.avg)) + (inTitle ? TITLE : 0));
    }
    return out;
  }

  function valueOf(postings, doc) {
    var d = 0;
    for (var i = 0; i < postings.length; i += 2) {
      d += postings[i];
      if (d === doc) return postings[i + 1];
      if (d > doc) return null;
    }
    return null;
  }

  function tick() { return new Promise(function (r) { setTimeout(r, 0); }); }

  function baseLang(code) { return String(code || "").toLowerCase().split(/[-_]/)[0]; }

  function scoreGroup(ix, g) {
    if (g.word !== undefined) {
      g.exp = expand(ix, g, g.shards);
      return scoreWord(ix, g.exp);
    }
    g.slots.forEach(function (s) {
      s.exp = expand(ix, { word: s.term, prefix: s.prefix, typo: false }, shardRange(ix, s.term, s.prefix));
      s.exp.forEach(function (x) {
        var shard = shardRange(ix, x.term, false)[0], t = termsOf(ix, shard);
        x.positions = ix.shards.get(pkey(ix, shard))[t.at.get(x.term)];
      });
    });
    return scorePhrase(ix, g.slots);
  }

  // Load term shards (and position shards) by number; false when a newer query came meanwhile.
  Engine.prototype.fetch = async function (ix, terms, positions, id) {
    var keys = [];
    terms.forEach(function (i) { keys.push(tkey(ix, i)); });
    positions.forEach(function (i) { keys.push(pkey(ix, i)); });
    var data = await this.loader.load(keys);
    keys.forEach(function (k, i) { if (!ix.shards.has(k)) ix.shards.set(k, data[i]); });
    return id === this.latest;
  };

  // Rank the pages for a query: {groups: [{lang, docs: [page ids best first]}], some}.
  Engine.prototype.rank = async function (query, lang, id) {
    var ix = await this.open(), groups = parse(query).slice(0, MAX_WORDS);
    if (ix.shards.size > 2 * KEEP.t) { ix.shards.clear(); ix.terms.clear(); }  // see Loader.trim
    if (!groups.length || !ix.n) return { groups: [], words: groups, some: false };
    var terms = new Set(), positions = new Set(), pairs = pairsOf(groups);
    pairs.forEach(function (pair) { terms.add(shardOf(ix, pair)); });
    groups.forEach(function (g) {
      if (g.word !== undefined) {
        g.shards = shardRange(ix, g.word, g.prefix);
        g.shards.forEach(function (i) { terms.add(i); });
      } else g.slots.forEach(function (s) {
        shardRange(ix, s.term, s.prefix).forEach(function (i) { terms.add(i); positions.add(i); });
      });
    });
    if (!(await this.fetch(ix, terms, positions, id))) return null;
    // A word that is missing (or rare) may be misspelt: find its near misses among the site's
    // words with the same first letter, then load the shards that hold them.
    var typos = groups.filter(function (g) {
      if (!g.typo) return false;
      var own = termsOf(ix, shardOf(ix, g.word)), at = own.at.get(g.word);
      return (at === undefined || own.postings[at].length / 2 < RARE) && ix.m.w[g.word.charAt(0)];
    });
    var more = new Set();
    if (typos.length) {
      var words = await this.loader.load(typos.map(function (g) { return "w/" + ix.m.w[g.word.charAt(0)]; }));
      if (id !== this.latest) return null;
      typos.forEach(function (g, k) {
        var max = g.word.length >= 9 ? 2 : 1, near = [];
        words[k].forEach(function (w) { var d = distance(g.word, w, max); if (d <= max && w !== g.word) near.push([d, w]); });
        near.sort(function (a, b) { return a[0] - b[0]; });
        near.slice(0, MAX_NEAR).forEach(function (x) {
          var i = shardOf(ix, x[1]);
          if (g.shards.indexOf(i) < 0) { g.shards.push(i); more.add(i); }
        });
      });
    }
    if (more.size && !(await this.fetch(ix, more, new Set(), id))) return null;
    // one step at a time, giving way to the reader's typing between steps (this matters where
    // the engine runs in the page, from file://)
    var scores = [];
    for (var gi = 0; gi < groups.length; gi++) {
      await tick();
      if (id !== this.latest) return null;
      scores.push(scoreGroup(ix, groups[gi]));
    }
    await tick();
    if (id !== this.latest) return null;
    var n = ix.n, total = new Float32Array(n), matched = new Uint8Array(n), d;
    scores.forEach(function (s) {
      for (d = 0; d < n; d++) if (s[d]) { total[d] += s[d]; matched[d]++; }
    });
    // words of the query side by side in a title or heading: a bonus, not a condition
    pairs.forEach(function (pair) {
      var shard = termsOf(ix, shardOf(ix, pair)), at = shard.at.get(pair);
      if (at === undefined) return;
      var bonus = scoreWord(ix, [{ term: pair, weight: 1, postings: shard.postings[at] }]);
      for (d = 0; d < n; d++) total[d] += bonus[d];
    });
    var need = groups.length, some = false, docs = [];
    for (d = 0; d < n; d++) if (matched[d] === need) docs.push(d);
    if (!docs.length && need > 1) {  // no page has every word: show those with most of them
      some = true;
      for (d = 0; d < n; d++) if (matched[d]) docs.push(d);
    }
    // best first: more of the words (when not all are found), higher score, then site order
    var before = function (a, b) { return (some ? matched[b] - matched[a] : 0) || total[b] - total[a] || a - b; };
    var reader = baseLang(lang), byLang = new Map();
    docs.forEach(function (doc) {
      var l = ix.m.langs[ix.langs[doc]] || "";
      var list = byLang.get(l);
      if (!list) byLang.set(l, list = []);
      list.push(doc);
    });
    var out = [];
    // the reader's language first; other languages after it, each under its name
    byLang.forEach(function (list, l) {
      out.push({ lang: l, own: baseLang(l) === reader, docs: list, ordered: 0, before: before });
    });
    out.sort(function (a, b) {
      return b.own - a.own || b.docs.length - a.docs.length || (a.lang < b.lang ? -1 : a.lang > b.lang ? 1 : 0);
    });
    return { groups: out, words: groups, some: some };
  };

  // Put the best `m` pages of a group first, in order; a full sort only when many are wanted
  // (sorting 20,000 pages for the first 10 would hold up the reader's typing).
  function putInOrder(g, m) {
    var docs = g.docs, before = g.before;
    if (g.ordered >= Math.min(m, docs.length)) return;
    if (m > 60 || m * 8 > docs.length) {
      docs.sort(before);
      g.ordered = docs.length;
      return;
    }
    var best = [];
    for (var i = 0; i < docs.length; i++) {
      var d = docs[i];
      if (best.length === m && before(d, best[m - 1]) >= 0) continue;
      var at = best.length;
      while (at > 0 && before(d, best[at - 1]) < 0) at--;
      best.splice(at, 0, d);
      if (best.length > m) best.pop();
    }
    var chosen = new Set(best);
    g.docs = best.concat(docs.filter(function (x) { return !chosen.has(x); }));
    g.ordered = m;
  }

  // Search: the ranking and the results to show, {lang: how many} each (from `from`).
  Engine.prototype.search = async function (query, opts) {
    var id = ++this.latest;
    var ranked;
    try {
      ranked = await this.rank(query, opts.lang, id);
    } catch (e) {  // a file is gone (the site was published again): start over once
      this.reset();
      ranked = await this.rank(query, opts.lang, id);
    }
    if (!ranked) return null;
    this.last = { query: query, ranked: ranked };
    return this.results(ranked, query, opts, id);
  };

  Engine.prototype.more = function (query, opts) {
    if (!this.last || this.last.query !== query) return this.search(query, opts);
    return this.results(this.last.ranked, query, opts, this.latest);
  };

  Engine.prototype.results = async function (ranked, query, opts, id) {
    var ix = this.index, show = [];
    var groups = ranked.groups.map(function (g, i) {
      var from = opts.from || 0;
      var count = i === 0 ? opts.first : opts.others;
      if (opts.lang_only !== undefined) count = g.lang === opts.lang_only ? opts.first : 0;
      putInOrder(g, from + count);
      var docs = g.docs.slice(from, from + count);
      show = show.concat(docs);
      return { lang: g.lang, own: g.own, total: g.docs.length, from: from, docs: docs };
    });
    var pages = await this.loader.load(show.map(function (d) { return fkey(ix, d); }));
    if (id !== this.latest) return null;
    var byDoc = new Map();
    show.forEach(function (d, i) { byDoc.set(d, pages[i][d % ix.per]); });
    var matchers = matchersOf(ranked.words);
    for (var i = 0; i < groups.length; i++) {
      groups[i].items = groups[i].docs.map(function (d) { return item(byDoc.get(d), matchers); });
      delete groups[i].docs;
      if (i + 1 < groups.length) await tick();
    }
    return { query: query, some: ranked.some, groups: groups };
  };

  // ---- excerpts -----------------------------------------------------------------------------
  var EXCERPT = 170;  // characters shown around the best passage
  var LEAD = 40;  // at most this much text before the first match
  var SENTENCE_END = /[.!?\u3002\uff01\uff1f](?=[^.!?\u3002\uff01\uff1f]*$)/;

  function matchersOf(groups) {
    var words = new Map(), phrases = [];
    groups.forEach(function (g, gi) {
      if (g.word !== undefined) {
        if (IS_CJK.test(g.word) && g.word.length > 1) {
          phrases.push({ g: gi, slots: [{ term: g.word, at: 0 }] });
          return;
        }
        words.set(g.word, gi);
        (g.exp || []).forEach(function (x) { if (!words.has(x.term)) words.set(x.term, gi); });
      } else phrases.push({ g: gi, slots: g.slots, exp: true });
    });
    return { words: words, phrases: phrases, count: groups.length };
  }

  function slotMatches(toks, i, slot) {
    var t = toks[i];
    if (!t) return 0;
    var term = slot.term;
    if (IS_CJK.test(term) && term.length > 1 && [...term].length === 2) {
      var u = toks[i + 1], chars = [...term];
      return u && t.c && u.c && t.e === u.s && t.f === chars[0] && u.f === chars[1] ? 2 : 0;
    }
    if (t.f === term) return 1;
    if (slot.exp) for (var k = 0; k < slot.exp.length; k++) if (slot.exp[k].term === t.f) return 1;
    return 0;
  }

  // Matches in a text: [{a, b (token indexes, inclusive), g (group)}] in order.
  function findMatches(toks, mt) {
    var found = [];
    for (var i = 0; i < toks.length; i++) {
      var g = mt.words.get(toks[i].f);
      if (g !== undefined) found.push({ a: i, b: i, g: g });
      for (var p = 0; p < mt.phrases.length; p++) {
        var ph = mt.phrases[p], end = i, ok = true;
        for (var s = 0; s < ph.slots.length && ok; s++) {
          var width = slotMatches(toks, i + ph.slots[s].at, ph.slots[s]);
          if (!width) ok = false; else end = Math.max(end, i + ph.slots[s].at + width - 1);
        }
        if (ok) found.push({ a: i, b: end, g: ph.g });
      }
    }
    return found;
  }

  // Text split into [plain, marked, plain, ...] for the matches within [from, to).
  function segments(text, toks, matches, from, to) {
    var out = [], at = from;
    matches.forEach(function (m) {
      var s = toks[m.a].s, e = toks[m.b].e;
      if (s < at || e > to) return;
      out.push(text.slice(at, s), text.slice(s, e));
      at = e;
    });
    out.push(text.slice(at, to));
    return out;
  }

  function bestWindow(toks, matches) {
    var best = null;
    for (var i = 0; i < matches.length; i++) {
      var start = toks[matches[i].a].s, groups = new Set(), n = 0;
      for (var j = i; j < matches.length && toks[matches[j].b].e - start <= EXCERPT; j++) { groups.add(matches[j].g); n++; }
      var score = groups.size * 100 + n;
      if (!best || score > best.score) best = { score: score, first: i, groups: groups.size };
    }
    return best;
  }

  function excerpt(text, toks, matches, first) {
    var start = 0;
    if (first !== null) {
      var at = toks[matches[first].a].s, k = matches[first].a;
      while (k > 0 && toks[k - 1].s >= at - LEAD) k--;
      // start at a sentence if one begins shortly before the match, else a few words before
      var from = toks[k].s, stop = text.slice(from, at).search(SENTENCE_END);
      if (stop >= 0) while (k < matches[first].a && toks[k].s <= from + stop) k++;
      start = toks[k].s;
    }
    var end = Math.min(text.length, start + EXCERPT);
    if (end < text.length) {  // end after a word, not inside one
      var cut = end;
      for (var t = 0; t < toks.length; t++) {
        if (toks[t].s >= end) break;
        if (toks[t].e <= end) cut = toks[t].e;
      }
      end = cut > start ? cut : end;
    }
    var segs = segments(text, toks, matches, start, end);
    if (start > 0) segs[0] = "\u2026 " + segs[0];
    if (end < text.length) segs[segs.length - 1] += " \u2026";
    return segs;
  }

  // What a result shows: title, section, excerpt from the best passage, link to its heading.
  function item(page, mt) {
    var titleToks = textTokens(page.t);
    var res = { url: page.u, lang: page.l, section: page.s, title: segments(page.t, titleToks, findMatches(titleToks, mt), 0, page.t.length) };
    var best = null;
    page.p.forEach(function (part, idx) {
      var toks = textTokens(part[2]), matches = findMatches(toks, mt);
      var htoks = textTokens(part[1]), hmatches = findMatches(htoks, mt);
      var w = bestWindow(toks, matches), score = w ? w.score : 0;
      var hgroups = new Set(hmatches.map(function (m) { return m.g; }));
      score += hgroups.size * 150;
      if (score > 0 && (!best || score > best.score))
        best = { score: score, idx: idx, toks: toks, matches: matches, first: w ? w.first : null, htoks: htoks, hmatches: hmatches };
    });
    if (!best) {
      var part = page.p[0] || ["", "", ""], toks = textTokens(part[2]);
      res.excerpt = excerpt(part[2], toks, [], null);
      res.anchor = "";
      return res;
    }
    var sec = page.p[best.idx];
    res.anchor = sec[0];
    res.heading = sec[1] ? segments(sec[1], best.htoks, best.hmatches, 0, sec[1].length) : null;
    res.excerpt = excerpt(sec[2], best.toks, best.matches, best.first);
    return res;
  }

  // ---- in a worker: answer the page's messages; in a page: offer the engine to search.js -----------------------------------------------------------------
  var inWorker = typeof document === "undefined" && typeof importScripts === "function";
  if (inWorker) {
    var engine = null;
    global.onmessage = function (e) {
      var msg = e.data;
      if (msg.type === "init") {
        var loader = new Loader(msg.base, importAll);
        global.cxsearch = function (key, data) { loader.register(key, data); };
        engine = new Engine(loader);
        engine.open().catch(function () {});
        return;
      }
      var run = msg.type === "more" ? engine.more(msg.query, msg.opts) : engine.search(msg.query, msg.opts);
      run.then(function (result) {
        if (result) global.postMessage({ id: msg.id, result: result });
      }, function (err) {
        global.postMessage({ id: msg.id, error: String(err && err.message || err) });
      });
    };
    return;
  }

  global.CxSearch = {
    Loader: Loader, Engine: Engine, injectScripts: injectScripts,
    parse: parse, fold: fold, textTokens: textTokens, distance: distance
  };
})(typeof self !== "undefined" ? self : this);
