/** DOM helpers shared by the demo's panels. */

/** A `<button type="button">` with a class, a text label (never HTML) and a click handler. */
export function button(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/** Sets an element's text only when it differs: writing replaces the text node, and the next frame lays it out again even when the text is the same. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
