/* The course's own behaviour over sphinx-book-theme (_config.yml: html_js_files).
 *
 * 1. Sidebar buttons. pydata-sphinx-theme binds its drawer handler to the *first*
 *    .primary-toggle / .secondary-toggle of the page, a hidden one in the header, so the
 *    buttons a reader sees do nothing on a phone; sphinx-book-theme's desktop "collapse the
 *    sidebar" fix is bound to the same hidden button. Here every toggle works: on a wide
 *    screen the hamburger collapses and restores the sidebar, otherwise it (and the page
 *    contents button) opens the drawer.
 * 2. The colour switch goes light <-> dark. The theme cycles light -> auto -> dark, and on a
 *    light system "auto" looks the same as light, so the first click seemed to do nothing.
 * 3. A figure shown smaller than it was drawn (on a phone, always) opens full size, scrollable,
 *    when tapped; a tap or Escape closes it.
 * 4. The site title above the page on narrow screens, where the sidebar holding it is hidden.
 * 5. Search results: the snippet under each hit is cut from the page's HTML, where formulas
 *    are still TeX source; they are left out of the snippet ("…").
 * 6. Formulas wider than the screen (on a phone). The chapters break their display equations
 *    into lines that fit a 390 px phone at the normal size (tests/browser/test_reading.py
 *    checks it); what is left, a wide computed formula in a cell's output, is set in a smaller
 *    size that fits if it is up to ~1.4 times too wide (its MathJax size is kept in
 *    data-dl-size), or else scrolls in its own box (course.css). An inline formula wider than
 *    its line gets the class dl-wide-math, which lets it scroll in its box instead of pushing
 *    the page sideways.
 */
"use strict";

(() => {
  const wide = (px) => window.matchMedia(`(min-width: ${px}px)`).matches;

  // ---- 1. sidebar drawers ----
  // the theme's own move of a sidebar's nodes and classes into its <dialog> and back
  const move = (from, to) => {
    Array.from(from.childNodes).forEach((node) => to.appendChild(node));
    Array.from(from.classList).forEach((cls) => {
      from.classList.remove(cls);
      to.classList.add(cls);
    });
  };

  const drawer = (which) => ({
    sidebar: document.getElementById(`pst-${which}-sidebar`),
    dialog: document.getElementById(`pst-${which}-sidebar-modal`),
  });

  const prepareDialog = ({ sidebar, dialog }) => {
    if (dialog.dataset.dlReady) return;
    dialog.dataset.dlReady = "1";
    // Closing puts the content back; harmless if the theme's own handler did it first.
    dialog.addEventListener("close", () => {
      if (dialog.childNodes.length) move(dialog, sidebar);
    });
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") dialog.close();
    });
  };

  const openDrawer = (parts) => {
    prepareDialog(parts);
    if (parts.dialog.open) return;
    move(parts.sidebar, parts.dialog);
    parts.dialog.showModal();
  };

  const sidebarButtons = () => {
    document.querySelectorAll(".primary-toggle, .secondary-toggle").forEach((button) => {
      const which = button.classList.contains("primary-toggle") ? "primary" : "secondary";
      button.addEventListener(
        "click",
        (event) => {
          const parts = drawer(which);
          if (!parts.sidebar || !parts.dialog) return;
          event.preventDefault();
          event.stopImmediatePropagation(); // the theme's handlers: see the top of the file
          button.blur(); // no tooltip left behind
          if (which === "primary" && wide(992)) {
            parts.sidebar.classList.toggle("pst-sidebar-hidden");
          } else {
            openDrawer(parts);
          }
        },
        true,
      );
    });
  };

  // ---- 2. colour switch ----
  const colourSwitch = () => {
    document.querySelectorAll(".theme-switch-button").forEach((button) => {
      button.addEventListener(
        "click",
        (event) => {
          event.stopImmediatePropagation();
          const root = document.documentElement;
          const next = root.dataset.theme === "dark" ? "light" : "dark";
          root.dataset.mode = next;
          root.dataset.theme = next;
          localStorage.setItem("mode", next);
          localStorage.setItem("theme", next);
          document.querySelectorAll(".dropdown-menu").forEach((menu) => {
            menu.classList.toggle("dropdown-menu-dark", next === "dark");
          });
        },
        true,
      );
    });
  };

  // ---- 3. figures full size ----
  const zoomFigures = () => {
    let zoom = null;
    const open = (img) => {
      if (!zoom) {
        zoom = document.createElement("dialog");
        zoom.className = "dl-figure-zoom";
        zoom.setAttribute("aria-label", "Figure at full size (tap to close)");
        zoom.addEventListener("click", () => zoom.close());
        document.body.appendChild(zoom);
      }
      const big = document.createElement("img");
      big.src = img.currentSrc || img.src;
      big.alt = img.alt;
      big.width = img.naturalWidth;
      zoom.replaceChildren(big);
      zoom.showModal();
    };
    document.querySelectorAll("div.cell_output img").forEach((img) => {
      img.classList.add("dl-zoomable");
      img.title = img.title || "Tap or click for the full-size figure";
      img.addEventListener("click", () => {
        // only when the page shows it smaller than it was drawn
        if (img.naturalWidth > img.getBoundingClientRect().width + 1) open(img);
      });
    });
  };

  // ---- 4. the site title on narrow screens ----
  const siteTitle = () => {
    const brand = document.querySelector(".navbar-brand.logo");
    const header = document.querySelector(".bd-header-article");
    if (!brand || !header || document.querySelector(".dl-site-title")) return;
    const title = document.createElement("a");
    title.className = "dl-site-title";
    title.href = brand.getAttribute("href");
    title.textContent = brand.textContent.trim();
    header.parentNode.insertBefore(title, header);
  };

  // ---- 5. search snippets without TeX ----
  const searchWithoutTeX = () => {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.dlPatched) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach((math) => math.replaceWith("…"));
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.dlPatched = true;
  };

  // ---- 6. formulas wider than the screen ----
  const wideMath = () => {
    const SMALLEST = 0.72; // of the text size: below this a formula is too small to read
    const mark = () => {
      document.querySelectorAll("mjx-container[display='true']").forEach((math) => {
        const fit = math.clientWidth / math.scrollWidth;
        if (fit >= 1 || fit < SMALLEST) return;
        const size = parseFloat(math.style.fontSize) || 100; // MathJax's own scale, in %
        math.dataset.dlSize = `${size}%`;
        math.style.fontSize = `${Math.floor(size * fit * 0.98)}%`;
      });
      document.querySelectorAll("mjx-container:not([display='true'])").forEach((math) => {
        const line = math.parentElement;
        if (line && math.getBoundingClientRect().width > line.clientWidth) {
          math.classList.add("dl-wide-math");
        }
      });
    };
    const startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) startup.promise.then(mark);
  };

  searchWithoutTeX(); // before the search runs, when searchtools.js is already loaded
  const ready = () => {
    sidebarButtons();
    colourSwitch();
    zoomFigures();
    siteTitle();
    searchWithoutTeX();
    wideMath();
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
