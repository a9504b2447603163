// GraphiQL with every asset served by the API itself (no CDN): queries go to /graphql over HTTP,
// subscriptions over graphql-transport-ws on the same path. A token pasted in the headers pane
// ({"Authorization": "Bearer ..."}) is sent with HTTP requests and in connection_init.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./graphiql.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
const fetcher = createGraphiQLFetcher({ url: "/graphql", subscriptionUrl: wsUrl });

createRoot(document.getElementById("graphiql")!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} />
  </StrictMode>,
);
