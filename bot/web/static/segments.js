/* How many SMS parts a reply takes and in which encoding (R0.8): a port of
   outbound/policy/segments.py for the reply box's live counter. The server counts
   again when it stores the message; its count is the one shown in the thread. */
(function () {
  "use strict";
  var GSM7_BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"));
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));

  function isGsm7(c) { return GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c); }

  // Parts needed when characters of the given widths may not be split.
  function pack(widths, single, part) {
    var total = widths.reduce(function (a, b) { return a + b; }, 0);
    if (total === 0) return 0;
    if (total <= single) return 1;
    var parts = 1, used = 0;
    widths.forEach(function (w) {
      if (used + w > part) { parts += 1; used = 0; }
      used += w;
    });
    return parts;
  }

  /* {segments, encoding, units, nonGsm}; iterates code points like Python's str. */
  function countSegments(text) {
    var chars = Array.from(text);
    var offending = [];
    chars.forEach(function (c) {
      if (!isGsm7(c) && offending.indexOf(c) === -1) offending.push(c);
    });
    var widths;
    if (offending.length === 0) {
      widths = chars.map(function (c) { return GSM7_EXTENSION.has(c) ? 2 : 1; });
      return { segments: pack(widths, 160, 153), encoding: "GSM-7",
               units: widths.reduce(function (a, b) { return a + b; }, 0), nonGsm: [] };
    }
    widths = chars.map(function (c) { return c.codePointAt(0) > 0xFFFF ? 2 : 1; });
    return { segments: pack(widths, 70, 67), encoding: "UCS-2",
             units: widths.reduce(function (a, b) { return a + b; }, 0), nonGsm: offending };
  }

  window.ReplyDeskSegments = { countSegments: countSegments };
})();
