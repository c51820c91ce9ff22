/* Small enhancements that the pages work without: the "copy URI" button. */
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
    var button = event.target.closest ? event.target.closest("button[data-copy-target]") : null;
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (input) { copyText(input, button); }
  });
})();
