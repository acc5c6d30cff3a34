// "Prenota": enhancements; every form works without this script.
// - the "Fornitore" list follows "Provincia fornitore" without reloading the page;
// - "Invia prenotazione" opens the summary in a window instead of a new page;
// - the final submit button cannot be pressed twice (the server is idempotent anyway).
(function () {
  "use strict";

  var form = document.getElementById("form-dati");
  if (form) {
    var province = form.querySelector('select[name="provider_province"]');
    var provider = form.querySelector('select[name="provider"]');
    var url = form.getAttribute("data-provider-options");
    form.querySelectorAll("[data-nojs]").forEach(function (node) {
      node.hidden = true;
    });
    if (province && provider && url) {
      province.addEventListener("change", function () {
        var placeholder = provider.options.length ? provider.options[0].textContent : "";
        provider.disabled = true;
        fetch(url + "?provincia=" + encodeURIComponent(province.value), { credentials: "same-origin" })
          .then(function (response) {
            if (!response.ok) {
              throw new Error(String(response.status));
            }
            return response.json();
          })
          .then(function (data) {
            provider.textContent = "";
            var empty = document.createElement("option");
            empty.value = "";
            empty.textContent = placeholder;
            provider.appendChild(empty);
            data.providers.forEach(function (p) {
              var option = document.createElement("option");
              option.value = String(p.id);
              option.textContent = p.label;
              provider.appendChild(option);
            });
          })
          .finally(function () {
            provider.disabled = false;
          });
      });
    }
  }

  document.querySelectorAll("[data-summary-dialog]").forEach(function (link) {
    var dialog = document.getElementById(link.getAttribute("data-summary-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (close) {
      close.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.close();
        link.focus();
      });
    });
  });

  document.querySelectorAll("form[data-once]").forEach(function (once) {
    once.addEventListener("submit", function (event) {
      if (once.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      once.setAttribute("data-sent", "1");
    });
  });
})();
