// The browser driver's eyes and hands inside a page (embedded into the harness at build time).
// It runs in an isolated world: it shares the page's DOM but none of its scripts' globals, so a
// page can neither see it nor change what it reports. It only reads the DOM and moves focus;
// typing and clicking are real input events the harness sends through the DevTools protocol.
(() => {
  if (globalThis.__conformance) return;
  const handles = [];
  const handle = (el) => handles.push(el) - 1;
  const squash = (text, max) => (text || '').replace(/\s+/g, ' ').trim().slice(0, max);

  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && style.opacity !== '0';
  };
  const formOf = (el) => (el.form ? Array.prototype.indexOf.call(document.forms, el.form) : -1);

  const labelOf = (el) => {
    const parts = [];
    if (el.labels) for (const l of el.labels) parts.push(l.innerText || l.textContent);
    const by = el.getAttribute('aria-labelledby');
    if (by)
      for (const id of by.split(/\s+/)) {
        const ref = document.getElementById(id);
        if (ref) parts.push(ref.textContent);
      }
    for (const a of ['aria-label', 'placeholder', 'title'])
      if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    return squash(parts.join(' '), 200);
  };

  const notTyped = new Set(['hidden', 'submit', 'button', 'image', 'reset', 'checkbox', 'radio',
                            'file', 'range', 'color']);

  // What the page offers now: editable inputs and pressable controls, each with a handle.
  const inspect = () => {
    handles.length = 0;
    const inputs = [];
    for (const el of document.querySelectorAll('input, textarea, select')) {
      const type = (el.type || el.tagName).toLowerCase();
      if (notTyped.has(type) || el.disabled || el.readOnly || !shown(el)) continue;
      inputs.push({index: handle(el), name: el.name || '', id: el.id || '', type,
                   autocomplete: el.getAttribute('autocomplete') || '', label: labelOf(el),
                   form: formOf(el)});
    }
    const controls = [];
    const pressable = 'button, input[type=submit], input[type=button], input[type=image], ' +
                      '[role=button], a[href]';
    for (const el of document.querySelectorAll(pressable)) {
      if (el.disabled || !shown(el)) continue;
      const link = el.tagName === 'A';
      const href = link ? (el.getAttribute('href') || '').trim().toLowerCase() : '';
      if (link && (href === '' || href.startsWith('#') || href.startsWith('javascript:')))
        continue; // goes nowhere a server could see
      const type = (el.getAttribute('type') || (el.tagName === 'BUTTON' ? 'submit' : '')).toLowerCase();
      const submit = !link && !!el.form && (type === 'submit' || type === 'image');
      const text = squash(el.innerText || el.value || el.getAttribute('aria-label') ||
                          el.getAttribute('title') || el.getAttribute('alt'), 120);
      controls.push({index: handle(el), link, submit, text, name: el.getAttribute('name') || '',
                     value: link ? '' : (el.value || ''), form: link ? -1 : formOf(el)});
    }
    const alerts = [];
    for (const el of document.querySelectorAll('[role=alert], .error, .alert, [aria-live=assertive]'))
      if (shown(el)) alerts.push(el.innerText || el.textContent);
    return {url: location.href, title: document.title, ready: document.readyState, inputs,
            controls, alert: squash(alerts.join(' '), 300)};
  };

  const element = (index) => {
    const el = handles[index];
    return el && el.isConnected ? el : null;
  };

  // Empties an input and focuses it, so the harness's typing replaces what was there. Uses the
  // prototype's setter, which frameworks that track values (React) see as a real change.
  const clear = (index) => {
    const el = element(index);
    if (!el) return false;
    el.scrollIntoView({block: 'center', inline: 'center'});
    el.focus();
    if (el.tagName === 'SELECT') return true;
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, '');
    el.dispatchEvent(new Event('input', {bubbles: true}));
    return document.activeElement === el;
  };

  // A <select> cannot be typed into: choose the option by value or text.
  const choose = (index, value) => {
    const el = element(index);
    if (!el || el.tagName !== 'SELECT') return false;
    for (const option of el.options)
      if (option.value === value || squash(option.textContent, 200) === value) {
        el.value = option.value;
        el.dispatchEvent(new Event('input', {bubbles: true}));
        el.dispatchEvent(new Event('change', {bubbles: true}));
        return true;
      }
    return false;
  };

  // Where a click on the control would land, and whether the control is what is there.
  const target = (index) => {
    const el = element(index);
    if (!el) return null;
    el.scrollIntoView({block: 'center', inline: 'center'});
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    return {x, y, hit: !!hit && (hit === el || el.contains(hit) || hit.contains(el))};
  };

  const click = (index) => {
    const el = element(index);
    if (!el) return false;
    el.click();
    return true;
  };

  // The page's visible text and the values of inputs that are not password boxes: what a
  // screenshot would show, checked for secrets before one is taken.
  const visibleText = () => {
    const values = [];
    for (const el of document.querySelectorAll('input, textarea'))
      if ((el.type || '').toLowerCase() !== 'password') values.push(el.value || '');
    return (document.body ? document.body.innerText : '') + '\n' + values.join('\n');
  };

  globalThis.__conformance = {inspect, clear, choose, target, click, visibleText};
})();
