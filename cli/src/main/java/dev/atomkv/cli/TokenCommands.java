package dev.atomkv.cli;

import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.IssueTokenResponse;
import dev.atomkv.proto.v1.ListTokensRequest;
import dev.atomkv.proto.v1.RevokeTokenRequest;
import dev.atomkv.proto.v1.TokenInfo;
import dev.atomkv.proto.v1.TokenRole;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomkv token ...}: bearer tokens issued to tenants, kept by the server as digests. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Tokens of tenants: issue, list, revoke. A server administrator's --token may",
      "act for any tenant; a tenant's admin token for its own tenant only."
    },
    subcommands = {TokenCommands.Issue.class, TokenCommands.ListAll.class, TokenCommands.Revoke.class},
    footer = {"", Cli.EXIT_CODES})
final class TokenCommands implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: issue, list or revoke");
  }

  /** The roles as the command line writes them. */
  static final class RoleConverter implements CommandLine.ITypeConverter<TokenRole> {
    @Override
    public TokenRole convert(String value) {
      return switch (value) {
        case "read-only" -> TokenRole.TOKEN_ROLE_READ_ONLY;
        case "read-write" -> TokenRole.TOKEN_ROLE_READ_WRITE;
        case "admin" -> TokenRole.TOKEN_ROLE_ADMIN;
        default -> throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a role: read-only, read-write or admin");
      };
    }
  }

  static String role(TokenRole role) {
    return switch (role) {
      case TOKEN_ROLE_READ_ONLY -> "read-only";
      case TOKEN_ROLE_READ_WRITE -> "read-write";
      case TOKEN_ROLE_ADMIN -> "admin";
      default -> role.name();
    };
  }

  /** Unix milliseconds as a quoted ISO-8601 instant; null for 0 (the default tenant's). */
  static String instant(long ms) {
    return ms == 0 ? "null" : JsonOut.quote(Instant.ofEpochMilli(ms).toString());
  }

  static String info(TokenInfo t) {
    return "{\"id\":" + JsonOut.quote(t.getId())
        + ",\"tenant\":" + JsonOut.quote(t.getTenant())
        + ",\"role\":" + JsonOut.quote(role(t.getRole()))
        + ",\"createdAt\":" + instant(t.getCreatedAtMs()) + "}";
  }

  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a bearer token for a tenant and prints it once, with its id:",
        "{\"token\":\"akv_...\",\"id\":\"3f9a0c1d2e4b\",\"tenant\":\"billing\",",
        "\"role\":\"read-write\",\"createdAt\":\"2026-12-07T13:00:00Z\"}",
        "The server keeps only its digest: the token cannot be shown again (a warning",
        "on stderr says so). Exit code 1 for an unknown tenant."
      })
  static final class Issue extends TenantCommands.AdminBase {
    @Option(names = "--tenant", required = true, paramLabel = "TENANT",
        description = "The tenant the token acts for.")
    String tenant;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        converter = RoleConverter.class,
        description = "read-only (reads), read-write (all its tenant's data) or admin (also its"
            + " tenant's tokens and usage; an admin of tenant default is a server administrator).")
    TokenRole role;

    @Override
    int run(PrintWriter out) {
      IssueTokenResponse issued = admin().issueToken(IssueTokenRequest.newBuilder()
          .setTenant(tenant).setRole(role).build());
      String info = info(issued.getInfo());
      out.println("{\"token\":" + JsonOut.quote(issued.getToken()) + "," + info.substring(1));
      spec.commandLine().getErr().println("atomkv: warning: store this token now; it is not shown"
          + " again (the server keeps only its digest). Its id " + issued.getInfo().getId()
          + " is what token list shows and token revoke takes.");
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists the tokens issued to a tenant by id (never the tokens themselves).",
        "One JSON line each:",
        "{\"id\":\"3f9a0c1d2e4b\",\"tenant\":\"billing\",\"role\":\"read-write\",",
        "\"createdAt\":\"2026-12-07T13:00:00Z\"}"
      })
  static final class ListAll extends TenantCommands.AdminBase {
    @Option(names = "--tenant", paramLabel = "TENANT",
        description = "The tenant (default: the --token's own).")
    String tenant;

    @Override
    int run(PrintWriter out) {
      for (TokenInfo t : admin().listTokens(ListTokensRequest.newBuilder()
          .setTenant(tenant == null ? "" : tenant).build()).getTokensList()) {
        out.println(info(t));
      }
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = {
        "Revokes a token by its id: calls with it are refused from now on.",
        "They get UNAUTHENTICATED. Prints {\"revoked\":\"ID\",\"tenant\":\"TENANT\"}.",
        "Exit code 1 when the tenant has no token with that id."
      })
  static final class Revoke extends TenantCommands.AdminBase {
    @Option(names = "--tenant", required = true, paramLabel = "TENANT",
        description = "The tenant the token belongs to.")
    String tenant;

    @Parameters(index = "0", paramLabel = "ID", description = "The token's id (token list).")
    String id;

    @Override
    int run(PrintWriter out) {
      admin().revokeToken(RevokeTokenRequest.newBuilder().setTenant(tenant).setId(id).build());
      out.println("{\"revoked\":" + JsonOut.quote(id) + ",\"tenant\":" + JsonOut.quote(tenant) + "}");
      return 0;
    }
  }
}
