// Progressive enhancement: without JavaScript the secret stays selectable in its field.
document.querySelectorAll("[data-m2m-copy]").forEach(function (button) {
  var field = document.getElementById(button.dataset.m2mCopy);
  var status = document.querySelector("[data-m2m-copy-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    field.select();
    var done = function () { status.textContent = "Copied to the clipboard."; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
