// The scripts of the --login-spa pages, served as /assets/login.js and /assets/consent.js. Plain
// ES2017 and the DOM, no libraries. Text from the server only ever enters the page through text
// nodes, never as markup. The markup is conventional (labels, ids, names, autocomplete, button
// words) so browser automation finds its way as a person would.
#include "login_spa.h"

namespace refserver {

const std::string_view kLoginScript = R"js('use strict';
// Sign-in in two steps, username then password, each a form built here in <main id="app"> and
// sent as JSON to /login/api/*.
(function () {
  const app = document.getElementById('app');
  const request = new URLSearchParams(location.search).get('request') || '';
  let csrfToken = '';
  let clientName = '';

  // An element with attributes and children (nodes or strings).
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children)
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    return node;
  }

  function show(...nodes) {
    while (app.firstChild) app.removeChild(app.firstChild);
    for (const node of nodes) if (node) app.appendChild(node);
  }

  function alertBox(message) {
    return message ? el('p', { class: 'error', role: 'alert' }, message) : null;
  }

  // {status, data}: status 0 when the server could not be reached, data always an object.
  async function call(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-CSRF-Token'] = csrfToken;
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      return { status: 0, data: {} };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, data: data && typeof data === 'object' ? data : {} };
  }

  function messageOf(result) {
    if (typeof result.data.error === 'string') return result.data.error;
    if (result.status === 0) return 'The server could not be reached. Try again.';
    return 'Something went wrong (HTTP ' + result.status + '). Reload the page.';
  }

  function heading() {
    return [
      el('h1', {}, 'Sign in'),
      el('p', { class: 'lead' }, 'Sign in to continue to ',
         el('strong', {}, clientName || 'the application'), '.'),
    ];
  }

  function field(text, input) {
    return el('div', { class: 'field' }, el('label', { for: input.id }, text), input);
  }

  function usernameStep(error, value) {
    const input = el('input', { type: 'text', id: 'username', name: 'username',
                                autocomplete: 'username', required: '' });
    input.value = value || '';
    const button = el('button', { type: 'submit' }, 'Next');
    const form = el('form', { id: 'username-form', novalidate: '' }, field('Username', input),
                    el('div', { class: 'actions' }, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      const username = input.value;
      const result = await call('POST', '/login/api/username', { request, username });
      if (result.status === 200 && result.data.next === 'password') passwordStep(username, '');
      else usernameStep(messageOf(result), username);
    });
    show(...heading(), alertBox(error), form);
    input.focus();
  }

  function passwordStep(username, error) {
    const input = el('input', { type: 'password', id: 'password', name: 'password',
                                autocomplete: 'current-password', required: '' });
    const button = el('button', { type: 'submit' }, 'Sign in');
    const form = el('form', { id: 'password-form', novalidate: '' },
                    el('p', {}, 'Signing in as ', el('strong', {}, username)),
                    field('Password', input), el('div', { class: 'actions' }, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      const result = await call('POST', '/login/api/password', { request, password: input.value });
      if (result.status === 200 && typeof result.data.redirect_to === 'string')
        location.assign(result.data.redirect_to);
      else if (result.status === 401) usernameStep(messageOf(result), '');
      else passwordStep(username, messageOf(result));
    });
    show(...heading(), alertBox(error), form);
    input.focus();
  }

  async function start() {
    if (!request) {
      show(el('h1', {}, 'Sign in'),
           alertBox('This sign-in link is incomplete. Start again from the application.'));
      return;
    }
    const result = await call('GET', '/login/api/context?request=' + encodeURIComponent(request));
    if (result.status !== 200) {
      show(el('h1', {}, 'Sign in'), alertBox(messageOf(result)));
      return;
    }
    csrfToken = String(result.data.csrf_token || '');
    clientName = String(result.data.client_name || '');
    usernameStep('', '');
  }

  start();
})();
)js";

const std::string_view kConsentScript = R"js('use strict';
// The consent page: what the client asks for, and Allow and Deny buttons that send the decision
// as JSON to /consent/api/decision and follow the redirect_to the server answers.
(function () {
  const app = document.getElementById('app');
  const request = new URLSearchParams(location.search).get('request') || '';
  let csrfToken = '';

  // An element with attributes and children (nodes or strings).
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children)
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    return node;
  }

  function show(...nodes) {
    while (app.firstChild) app.removeChild(app.firstChild);
    for (const node of nodes) if (node) app.appendChild(node);
  }

  function alertBox(message) {
    return message ? el('p', { class: 'error', role: 'alert' }, message) : null;
  }

  // {status, data}: status 0 when the server could not be reached (or, under a redirect to
  // another origin, when the browser refused to follow), data always an object.
  async function call(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-CSRF-Token'] = csrfToken;
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      return { status: 0, data: {} };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, data: data && typeof data === 'object' ? data : {} };
  }

  function messageOf(result) {
    if (typeof result.data.error === 'string') return result.data.error;
    if (result.status === 0) return 'The server could not be reached. Try again.';
    return 'Something went wrong (HTTP ' + result.status + '). Reload the page.';
  }

  // Follows a redirect_to the server sent (the client, or back to sign-in); false without one.
  function follow(result) {
    if (typeof result.data.redirect_to !== 'string') return false;
    location.assign(result.data.redirect_to);
    return true;
  }

  // The host a client_id URL (a client metadata document) points at, or ''. Anyone can
  // publish any client_name, so the host is what the user can check.
  function documentHost(clientId) {
    if (!/^https?:\/\//i.test(clientId)) return '';
    try {
      return new URL(clientId).host;
    } catch (e) {
      return '';
    }
  }

  function render(context, error) {
    const clientId = String(context.client_id || '');
    const host = documentHost(clientId);
    const id = [el('code', {}, clientId)];
    if (host) id.push(', published by ', el('strong', {}, host));
    const name = String(context.client_name || '');
    let client;
    if (name && clientId) client = [el('strong', {}, name), ' (client ID ', ...id, ')'];
    else if (name) client = [el('strong', {}, name)];
    else if (clientId) client = ['The application with client ID ', ...id];
    else client = ['An application'];
    const scopes = Array.isArray(context.scopes) ? context.scopes : [];
    const allow = el('button', { type: 'button' }, 'Allow');
    const deny = el('button', { type: 'button' }, 'Deny');
    async function decide(decision) {
      allow.disabled = true;
      deny.disabled = true;
      const result = await call('POST', '/consent/api/decision', { request, decision });
      if (!follow(result)) render(context, messageOf(result));
    }
    allow.addEventListener('click', () => decide('approve'));
    deny.addEventListener('click', () => decide('deny'));
    show(el('h1', {}, 'Authorize access'),
         el('p', {}, ...client, ' wants to access your account ',
            el('strong', {}, String(context.subject || '')), '.'),
         el('div', { class: 'scopes' }, el('h2', {}, 'Requested permissions'),
            el('ul', {}, ...scopes.map((scope) => el('li', {}, el('code', {}, String(scope)))))),
         el('p', {}, 'After you decide you will be sent back to ',
            el('strong', {}, String(context.destination || '')), '.'),
         alertBox(error),
         el('div', { class: 'actions' }, allow, deny));
  }

  async function start() {
    if (!request) {
      show(el('h1', {}, 'Authorize access'),
           alertBox('This link is incomplete. Start again from the application.'));
      return;
    }
    const result = await call('GET',
                              '/consent/api/context?request=' + encodeURIComponent(request));
    if (result.status !== 200) {
      if (!follow(result)) show(el('h1', {}, 'Authorize access'), alertBox(messageOf(result)));
      return;
    }
    csrfToken = String(result.data.csrf_token || '');
    render(result.data, '');
  }

  start();
})();
)js";

} // namespace refserver
