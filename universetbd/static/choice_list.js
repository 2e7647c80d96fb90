// ChoiceList: a titled list of strings; clicking one selects it (model value `selected`).
function render({ model, el }) {
  const root = h("div", "root choice-list");
  const title = h("div", "title");
  const list = h("ul", "choice-items");
  root.append(title, list);
  el.appendChild(root);

  function draw() {
    utbdLongText(title, model.get("title") || "", "clamp2");
    title.style.display = model.get("title") ? "" : "none";
    list.replaceChildren();
    model.get("items").forEach((text, i) => {
      // a long item ends after three lines with "…" (the full text on hover)
      const li = h("li", "choice-item");
      li.appendChild(utbdLongText(h("span", "choice-text"), text, "clamp3"));
      li.dataset.index = String(i);
      li.setAttribute("role", "option");
      if (i === model.get("selected")) li.classList.add("utbd-selected");
      li.addEventListener("click", () => {
        model.set("selected", i);
        model.save_changes();
      });
      list.appendChild(li);
    });
  }
  draw();
  model.on("change:items", draw);
  model.on("change:selected", draw);
  model.on("change:title", draw);
  return () => root.remove();
}
