// "Fornitori convenzionati": the map, the live search and the list of results.
// Without this script the same form works as a paginated list served by the page itself.
(function () {
  "use strict";

  var el = document.getElementById("mappa");
  var form = document.getElementById("ricerca-fornitori");
  if (!el || !form || !window.L) {
    return;
  }
  var texts = JSON.parse(document.getElementById("testi-mappa").textContent);
  var count = document.getElementById("conteggio");
  var results = document.getElementById("risultati");
  var input = form.querySelector('input[name="q"]');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="categoria"]'));

  el.hidden = false;
  form.querySelectorAll("[data-nojs]").forEach(function (node) {
    node.hidden = true;
  });

  // The count becomes the button that opens the list of results (the guide's "cliccandoci sopra").
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.id = "conteggio";
  toggle.className = "btn btn-outline-primary btn-sm mutua-count mb-2";
  toggle.setAttribute("data-testid", "conteggio");
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "risultati");
  toggle.textContent = count.textContent;
  count.replaceWith(toggle);
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  toggle.after(live);
  results.hidden = true;
  toggle.addEventListener("click", function () {
    results.hidden = !results.hidden;
    toggle.setAttribute("aria-expanded", String(!results.hidden));
  });

  var ITALY = [42.1, 12.6];
  var map = L.map(el, { zoomControl: false, minZoom: 5, maxZoom: 19 }).setView(ITALY, 6);
  L.control.zoom({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut }).addTo(map);
  map.attributionControl.setPrefix(false);
  var tiles = el.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-attribution") }).addTo(map);
  }
  var cluster = L.markerClusterGroup({
    chunkedLoading: true,
    iconCreateFunction: function (group) {
      var n = group.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      var icon = L.divIcon({
        html: "<div><span>" + n + "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40),
      });
      return icon;
    },
  });
  map.addLayer(cluster);
  var byId = {};

  function fmt(template, n) {
    return template.replace("%(n)s", Number(n).toLocaleString("it-IT"));
  }

  function line(parent, text, tag) {
    var node = document.createElement(tag || "p");
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function details(m) {
    var box = document.createElement("div");
    box.setAttribute("data-testid", "dettaglio-struttura");
    var name = line(box, "", "p");
    var strong = document.createElement("strong");
    strong.textContent = m.name;
    name.appendChild(strong);
    line(box, m.address + ", " + m.city + " (" + m.province + ")");
    if (m.phone) {
      line(box, texts.phone + ": " + m.phone);
    }
    if (m.categories.length) {
      line(box, texts.categories + ": " + m.categories.join(", "));
    }
    line(box, m.direct ? texts.direct : texts.indirect);
    return box;
  }

  function params(withBounds) {
    var query = new URLSearchParams();
    if (input.value.trim()) {
      query.set("q", input.value.trim());
    }
    boxes.forEach(function (box) {
      if (box.checked) {
        query.append("categoria", box.value);
      }
    });
    var address = query.toString();
    if (withBounds) {
      query.set("bbox", map.getBounds().toBBoxString());
    }
    return { all: query.toString(), address: address };
  }

  function renderList(data) {
    results.textContent = "";
    if (!data.markers.length) {
      line(results, texts.none);
      return;
    }
    if (data.total > data.markers.length) {
      line(results, fmt(texts.truncated, data.markers.length)).className = "small text-muted";
    }
    var list = document.createElement("ul");
    list.className = "list-unstyled mutua-result-list mutua-result-scroll";
    list.setAttribute("data-testid", "lista-risultati");
    list.setAttribute("aria-label", texts.list);
    data.markers.forEach(function (m) {
      var item = document.createElement("li");
      item.className = "mb-3";
      item.setAttribute("data-testid", "struttura");
      var open = document.createElement("button");
      open.type = "button";
      open.className = "btn btn-link p-0 text-start fw-semibold";
      open.textContent = m.name;
      open.addEventListener("click", function () {
        var marker = byId[m.id];
        cluster.zoomToShowLayer(marker, function () {
          marker.openPopup();
        });
      });
      item.appendChild(open);
      line(item, m.address + ", " + m.city + " (" + m.province + ")", "div");
      line(item, m.direct ? texts.direct : texts.indirect, "div").className = "small";
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  var sequence = 0;
  function load(fit) {
    var mine = ++sequence;
    var query = params(!fit);
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?" + query.address);
    }
    fetch(el.getAttribute("data-markers-url") + "?" + query.all, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (mine !== sequence) {
          return;
        }
        cluster.clearLayers();
        byId = {};
        var markers = data.markers.map(function (m) {
          var marker = L.marker([m.lat, m.lon], { title: m.name, alt: m.name, keyboard: true });
          marker.bindPopup(function () {
            return details(m);
          });
          byId[m.id] = marker;
          return marker;
        });
        cluster.addLayers(markers);
        toggle.textContent = fmt(data.total === 1 ? texts.one : texts.many, data.total);
        live.textContent = toggle.textContent;
        toggle.setAttribute("data-total", String(data.total));
        renderList(data);
        if (fit && markers.length) {
          // A new search looks at the whole of Italy, then shows where its results are.
          ignoreUntil = Date.now() + 1000;
          if (data.total > markers.length) {
            map.setView(ITALY, 6);
          } else {
            var bounds = L.latLngBounds(markers.map(function (marker) {
              return marker.getLatLng();
            }));
            map.fitBounds(bounds.pad(0.1), { maxZoom: 14 });
          }
        }
      })
      .catch(function () {
        if (mine === sequence) {
          toggle.textContent = texts.error;
        }
      });
  }

  // Moving or zooming the map asks for the markers of the new area; a move the script made itself does not.
  var ignoreUntil = 0;
  var timer = null;
  map.on("moveend", function () {
    if (Date.now() < ignoreUntil) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () {
      load(false);
    }, 250);
  });

  // Changing the filters searches the whole of Italy; moving the map then narrows to the visible area.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(true);
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      load(true);
    });
  });
  form.querySelectorAll("[data-reset]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (link.getAttribute("data-reset") === "text") {
        input.value = "";
      } else {
        boxes.forEach(function (box) {
          box.checked = false;
        });
      }
      load(true);
    });
  });

  load(Boolean(input.value.trim() || boxes.some(function (box) { return box.checked; })));
})();
