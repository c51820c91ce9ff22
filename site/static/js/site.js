/* Small enhancements that the pages work without: the "copy URI" button; and a guard: a link whose
   address is script or inline data (javascript:, data:, vbscript:), from whatever library drew it,
   is not followed (the server's Content-Security-Policy blocks it too; a page opened from disk has
   no such policy). */
(function () {
  "use strict";
  function copyText(input, button) {
    var done = function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "OK";
      button.classList.add("copied");
      setTimeout(function () { button.textContent = original; button.classList.remove("copied"); }, 1600);
    };
    var fallback = function () {
      input.focus();
      input.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (link && /^(javascript|data|vbscript):$/i.test(link.protocol)) { event.preventDefault(); return; }
    var button = event.target.closest ? event.target.closest("button[data-copy-target]") : null;
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (input) { copyText(input, button); }
  });
})();
