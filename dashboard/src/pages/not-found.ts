// Any path the router does not know.
import { h } from "../dom";
import type { PageModule } from "../router";

export const notFoundPage: PageModule = () => ({
  title: "Not found",
  element: h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, "Not found"),
    h("p", {}, "There is no page here. ", h("a", { href: "/runs" }, "Go to the runs"), "."),
  ),
});
