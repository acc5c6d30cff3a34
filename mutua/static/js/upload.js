// Enhancements for the claim pages; every form works without this script.
// - drag & drop files onto a document form;
// - upload progress bar (the form is sent with XMLHttpRequest, then the answer page is shown);
// - a submit button cannot be pressed twice.
(function () {
  "use strict";

  // Show the page the server answered with, and give the address bar the answer's URL, as a
  // normal form submission would (the one-time messages in that page are shown, not lost).
  function showAnswer(xhr) {
    var html = xhr.responseText;
    var url = xhr.status < 400 ? xhr.responseURL : null;
    document.open();
    document.write(html);
    document.close();
    if (url && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", url);
    }
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    var zone = form.querySelector("[data-dropzone]") || form;
    var bar = form.querySelector(".mutua-progress");
    if (input) {
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) {
          event.preventDefault();
          zone.classList.add("mutua-dragover");
        });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function () {
          zone.classList.remove("mutua-dragover");
        });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !bar) return;
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.classList.remove("d-none");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () { showAnswer(xhr); });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        bar.classList.add("d-none");
        window.alert(form.getAttribute("data-error") || "Connessione non riuscita: riprova. I dati già caricati sono salvati.");
      });
      xhr.send(new FormData(form));
    });
  });

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
    });
  });
})();
