package dev.atomkv.cli;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DeleteTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.SetTenantLimitsRequest;
import dev.atomkv.proto.v1.Tenant;
import dev.atomkv.proto.v1.TenantLimits;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomkv tenant ...}: the tenant registry of AdminService (docs/operations.md, "Multi-tenant"). */
@Command(
    name = "tenant",
    mixinStandardHelpOptions = true,
    description = {
      "Tenants: isolated databases in one server, each with its own keys and tokens.",
      "Every subcommand needs a server administrator's --token, except describe and",
      "stats, which a tenant's admin token may call for its own tenant (no NAME)."
    },
    subcommands = {
      TenantCommands.Create.class,
      TenantCommands.ListAll.class,
      TenantCommands.Describe.class,
      TenantCommands.Delete.class,
      TenantCommands.Limits.class,
      TenantCommands.Stats.class
    },
    footer = {"", Cli.EXIT_CODES})
final class TenantCommands implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "Missing subcommand: create, list, describe, delete, limits or stats");
  }

  abstract static class AdminBase extends Cli.Base {
    AdminServiceGrpc.AdminServiceBlockingStub admin() {
      return AdminServiceGrpc.newBlockingStub(cli.channel())
          .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The five limits of SetTenantLimits and CreateTenant; an option not given is 0. */
  static final class LimitOptions {
    @Option(names = "--max-bytes", paramLabel = "N", defaultValue = "0",
        description = "Quota of stored bytes (keys plus values); 0 = unlimited.")
    long maxBytes;

    @Option(names = "--max-keys", paramLabel = "N", defaultValue = "0",
        description = "Quota of stored keys; 0 = unlimited.")
    long maxKeys;

    @Option(names = "--requests-per-second", paramLabel = "N", defaultValue = "0",
        description = "Calls admitted per second; 0 = the server's --rate-limit-* default.")
    long requestsPerSecond;

    @Option(names = "--read-units-per-minute", paramLabel = "N", defaultValue = "0",
        description = "Reads per minute in 10 KB units; 0 = the server's default.")
    long readUnitsPerMinute;

    @Option(names = "--write-units-per-minute", paramLabel = "N", defaultValue = "0",
        description = "Writes per minute in 10 KB units; 0 = the server's default.")
    long writeUnitsPerMinute;

    TenantLimits toProto() {
      String[] names = {"--max-bytes", "--max-keys", "--requests-per-second",
          "--read-units-per-minute", "--write-units-per-minute"};
      long[] values = {maxBytes, maxKeys, requestsPerSecond, readUnitsPerMinute, writeUnitsPerMinute};
      for (int i = 0; i < names.length; i++) {
        if (values[i] < 0) {
          throw new IllegalArgumentException(names[i] + " must be 0 or more, got " + values[i]);
        }
      }
      return TenantLimits.newBuilder().setMaxBytes(maxBytes).setMaxKeys(maxKeys)
          .setRequestsPerSecond(requestsPerSecond).setReadUnitsPerMinute(readUnitsPerMinute)
          .setWriteUnitsPerMinute(writeUnitsPerMinute).build();
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a tenant, with the limits given (a limit not given is 0: none).",
        "Prints the tenant as tenant list does. Exit code 1 for a bad name (1 to 32",
        "of a-z, 0-9 and '-', starting and ending with a letter or digit) or a tenant",
        "that exists."
      })
  static final class Create extends AdminBase {
    @Parameters(index = "0", paramLabel = "NAME", description = "The tenant's name.")
    String name;

    @Mixin LimitOptions limits;

    @Override
    int run(PrintWriter out) {
      TenantLimits l = limits.toProto();
      out.println(TenantJson.tenant(admin().createTenant(CreateTenantRequest.newBuilder()
          .setName(name).setLimits(l).build()).getTenant()));
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists every tenant, the default one first, with limits and usage.",
        "One JSON line each:",
        "{\"name\":\"billing\",\"limits\":{\"maxBytes\":0,\"maxKeys\":1000,",
        "\"requestsPerSecond\":0,\"readUnitsPerMinute\":0,\"writeUnitsPerMinute\":0},",
        "\"usage\":{\"storedBytes\":120,\"storedKeys\":3},",
        "\"createdAt\":\"2026-12-07T13:00:00Z\",\"deleting\":false}",
        "A limit of 0 is none of its own. A deleted tenant is listed with",
        "\"deleting\":true until its data is gone."
      })
  static final class ListAll extends AdminBase {
    @Override
    int run(PrintWriter out) {
      for (Tenant t : admin().listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList()) {
        out.println(TenantJson.tenant(t));
      }
      return 0;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = {
        "Prints one tenant as tenant list does; without NAME, the --token's own.",
        "Exit code 1 when there is no such tenant."
      })
  static final class Describe extends AdminBase {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The tenant (default: your own).")
    String name;

    @Override
    int run(PrintWriter out) {
      out.println(TenantJson.tenant(admin().describeTenant(DescribeTenantRequest.newBuilder()
          .setName(name == null ? "" : name).build()).getTenant()));
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Deletes a tenant: its tokens stop working at once, its data goes later.",
        "The data is removed in the background (tenant list shows \"deleting\":true",
        "until then). Prints {\"deleted\":\"NAME\"}. Exit code 1 for an unknown tenant",
        "or the default one."
      })
  static final class Delete extends AdminBase {
    @Parameters(index = "0", paramLabel = "NAME", description = "The tenant.")
    String name;

    @Override
    int run(PrintWriter out) {
      admin().deleteTenant(DeleteTenantRequest.newBuilder().setName(name).build());
      out.println("{\"deleted\":" + JsonOut.quote(name) + "}");
      return 0;
    }
  }

  @Command(
      name = "limits",
      mixinStandardHelpOptions = true,
      description = {
        "Replaces all five limits of a tenant; a limit not given is set to 0 (none).",
        "Give every limit the tenant should keep. Takes effect on the next call; a",
        "quota lowered below what the tenant stores refuses its growing writes from",
        "then on. Prints the tenant as tenant list does."
      })
  static final class Limits extends AdminBase {
    @Parameters(index = "0", paramLabel = "NAME", description = "The tenant.")
    String name;

    @Mixin LimitOptions limits;

    @Override
    int run(PrintWriter out) {
      TenantLimits l = limits.toProto();
      out.println(TenantJson.tenant(admin().setTenantLimits(SetTenantLimitsRequest.newBuilder()
          .setName(name).setLimits(l).build()).getTenant()));
      return 0;
    }
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description = {
        "Prints what tenants store beside their limits, with the quota used.",
        "One JSON line each:",
        "{\"tenant\":\"billing\",\"storedBytes\":120,\"maxBytes\":1000,",
        "\"bytesUsedPercent\":12.0,\"storedKeys\":3,\"maxKeys\":0,\"keysUsedPercent\":null,",
        "\"requestsPerSecond\":0,\"readUnitsPerMinute\":0,\"writeUnitsPerMinute\":0}",
        "A percentage is null without a quota (0). Without NAME: every tenant for a",
        "server administrator, its own tenant for a tenant's admin token."
      })
  static final class Stats extends AdminBase {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The tenant (default: all).")
    String name;

    @Override
    int run(PrintWriter out) {
      for (Tenant t : tenants()) {
        out.println(TenantJson.stats(t));
      }
      return 0;
    }

    private List<Tenant> tenants() {
      if (name != null) {
        return List.of(admin().describeTenant(DescribeTenantRequest.newBuilder().setName(name)
            .build()).getTenant());
      }
      try {
        return admin().listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.PERMISSION_DENIED) {
          throw e;
        }
        // A tenant's admin may see its own tenant only.
        return List.of(admin().describeTenant(DescribeTenantRequest.getDefaultInstance())
            .getTenant());
      }
    }
  }

  /** The JSON lines of the tenant commands. */
  static final class TenantJson {
    private TenantJson() {}

    static String tenant(Tenant t) {
      TenantLimits l = t.getLimits();
      return "{\"name\":" + JsonOut.quote(t.getName())
          + ",\"limits\":{\"maxBytes\":" + u64(l.getMaxBytes())
          + ",\"maxKeys\":" + u64(l.getMaxKeys())
          + ",\"requestsPerSecond\":" + u64(l.getRequestsPerSecond())
          + ",\"readUnitsPerMinute\":" + u64(l.getReadUnitsPerMinute())
          + ",\"writeUnitsPerMinute\":" + u64(l.getWriteUnitsPerMinute()) + "}"
          + ",\"usage\":{\"storedBytes\":" + u64(t.getUsage().getStoredBytes())
          + ",\"storedKeys\":" + u64(t.getUsage().getStoredKeys()) + "}"
          + ",\"createdAt\":" + TokenCommands.instant(t.getCreatedAtMs())
          + ",\"deleting\":" + t.getDeleting() + "}";
    }

    static String stats(Tenant t) {
      TenantLimits l = t.getLimits();
      long bytes = t.getUsage().getStoredBytes();
      long keys = t.getUsage().getStoredKeys();
      return "{\"tenant\":" + JsonOut.quote(t.getName())
          + ",\"storedBytes\":" + u64(bytes)
          + ",\"maxBytes\":" + u64(l.getMaxBytes())
          + ",\"bytesUsedPercent\":" + percent(bytes, l.getMaxBytes())
          + ",\"storedKeys\":" + u64(keys)
          + ",\"maxKeys\":" + u64(l.getMaxKeys())
          + ",\"keysUsedPercent\":" + percent(keys, l.getMaxKeys())
          + ",\"requestsPerSecond\":" + u64(l.getRequestsPerSecond())
          + ",\"readUnitsPerMinute\":" + u64(l.getReadUnitsPerMinute())
          + ",\"writeUnitsPerMinute\":" + u64(l.getWriteUnitsPerMinute()) + "}";
    }

    /** {@code used} as a percentage of {@code quota}, one decimal; null without a quota. */
    static String percent(long used, long quota) {
      if (quota == 0) {
        return "null";
      }
      double p = 100.0 * unsigned(used) / unsigned(quota);
      return String.format(Locale.ROOT, "%.1f", p);
    }

    private static double unsigned(long v) {
      return v >= 0 ? v : v + 0x1p64;
    }

    private static String u64(long v) {
      return Long.toUnsignedString(v);
    }
  }
}
