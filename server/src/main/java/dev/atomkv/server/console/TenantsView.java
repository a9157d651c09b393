package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.TokenGrant;
import dev.atomkv.server.model.tenant.Usage;

/**
 * The console's Tenants view (docs/console.md): every tenant with its limits, what it stores and
 * its issued tokens. A token's id, role and creation time only: the registry has no token to give,
 * and the id is what revoking one takes. Administration, so the handler lets only a server
 * administrator read it.
 */
final class TenantsView {
  private final TenantDirectory directory;

  TenantsView(TenantDirectory directory) {
    this.directory = directory;
  }

  JsonObject tenants() {
    JsonArray tenants = new JsonArray();
    for (TenantSettings s : directory.tenants()) {
      tenants.add(tenant(s, directory.usage(s.name())));
    }
    JsonObject out = new JsonObject();
    out.add("tenants", tenants);
    return out;
  }

  private JsonObject tenant(TenantSettings s, Usage u) {
    JsonObject limits = new JsonObject();
    limits.addProperty("requestsPerSecond", s.requestsPerSecond());
    limits.addProperty("readUnitsPerMinute", s.readUnitsPerMinute());
    limits.addProperty("writeUnitsPerMinute", s.writeUnitsPerMinute());
    limits.addProperty("maxBytes", s.maxBytes());
    limits.addProperty("maxKeys", s.maxKeys());
    JsonObject usage = new JsonObject();
    usage.addProperty("storedBytes", u.bytes());
    usage.addProperty("storedKeys", u.keys());
    JsonArray tokens = new JsonArray();
    for (TokenGrant g : directory.tokens(s.name())) {
      JsonObject token = new JsonObject();
      token.addProperty("id", g.id());
      token.addProperty("role", g.role().wireName());
      token.addProperty("createdAtMs", g.createdAtMs());
      tokens.add(token);
    }
    JsonObject out = new JsonObject();
    out.addProperty("name", s.name());
    out.addProperty("createdAtMs", s.createdAtMs());
    out.addProperty("deleting", s.deleting());
    out.add("limits", limits);
    out.add("usage", usage);
    out.add("tokens", tokens);
    return out;
  }
}
