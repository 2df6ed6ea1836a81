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
