// The portal's shell: sign-in, who you are, and a hash router (#/resources, #/r<resource id>,
// #/shared, #/usage). Each view renders into <main> and its heading takes the focus.

import { ArmError, session, signIn, signOut } from "./api.js";
import { field, h, heading, select } from "./dom.js";
import { submit } from "./forms.js";
import { sharedView } from "./views/access.js";
import { resourcesView } from "./views/resources.js";
import { resourceView } from "./views/resource.js";
import { usageView } from "./views/usage.js";

const main = document.getElementById("main") as HTMLElement;
/** Bumped on every navigation: a view that is still loading when the user moves on stops drawing. */
let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  const alive = () => mine === generation;
  const hash = decodeURIComponent(location.hash.slice(1)) || "/resources";
  const signedIn = session();
  renderWho();
  const view = h("div");
  main.replaceChildren(view);
  try {
    if (!signedIn) signInView(view);
    else if (hash.startsWith("/r/")) await resourceView(view, hash.slice(2), alive);
    else if (hash === "/shared") await sharedView(view);
    else if (hash === "/usage") await usageView(view);
    else await resourcesView(view, alive);
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ArmError && error.status === 401) {
      signOut();
      return void route();
    }
    view.append(h("p", { class: "form-error", role: "alert" }, error instanceof ArmError ? `${error.code}: ${error.message}` : String(error)));
  }
  // The heading takes the focus once the view is complete, unless the user is already at work in it
  // (a view's last lists can arrive after its form has been edited and refused).
  if (mine === generation && !view.contains(document.activeElement)) view.querySelector("h1")?.focus();
}

function renderWho(): void {
  const who = document.getElementById("who") as HTMLElement;
  const nav = document.getElementById("nav") as HTMLElement;
  const signedIn = session();
  nav.hidden = !signedIn;
  if (!signedIn) return who.replaceChildren();
  const claims = signedIn.claims;
  const name = String(claims.upn ?? claims.unique_name ?? `app ${String(claims.appid ?? "")}`);
  who.replaceChildren(
    h("span", { "data-testid": "whoami" }, `${name} · object ${String(claims.oid ?? "")} · tenant ${signedIn.tenant}`),
    " ",
    h("button", { type: "button", onclick: () => (signOut(), void route()) }, "Sign out"),
  );
}

function signInView(view: HTMLElement): void {
  const tenant = h("input", { name: "tenant", required: true, autocomplete: "off" });
  const kind = select("kind", [["app", "Service principal"], ["user", "User"]]);
  const clientId = h("input", { name: "clientId", required: true, autocomplete: "username" });
  const secret = h("input", { name: "clientSecret", type: "password", autocomplete: "current-password" });
  const username = h("input", { name: "username", autocomplete: "username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password" });
  const appFields = h("div", {}, field("Client secret", secret));
  const userFields = h("div", { hidden: true }, field("User name", username), field("Password", password));
  kind.addEventListener("change", () => {
    appFields.hidden = kind.value !== "app";
    userFields.hidden = kind.value === "app";
  });
  const form = h("form", { id: "sign-in", "aria-labelledby": "sign-in-title" }, field("Tenant", tenant), field("Sign in as", kind), field("Client (application) id", clientId), appFields, userFields, h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      const credentials = kind.value === "app" ? { clientId: clientId.value, clientSecret: secret.value } : { clientId: clientId.value, username: username.value, password: password.value };
      await signIn(tenant.value.trim(), credentials);
      location.hash = "#/resources";
      await route();
    });
  });
  const title = heading("Sign in");
  title.id = "sign-in-title";
  view.append(title, h("p", { class: "muted" }, "With this server's own identity: a service principal's credentials or a user's name and password."), form);
}

window.addEventListener("hashchange", () => void route());
void route();
