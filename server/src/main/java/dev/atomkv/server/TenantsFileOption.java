package dev.atomkv.server;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.tenant.TenantRegistry;
import dev.atomkv.server.tenant.TenantsFile;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code --tenants-file}, part of {@link ServerConfig}: tenants and limits set at start-up. */
final class TenantsFileOption {
  private static final Logger LOG = LoggerFactory.getLogger(TenantsFileOption.class);
  private static final long CLUSTER_RETRY_MS = 1000;

  @Option(names = "--tenants-file", defaultValue = "${ATOMKV_TENANTS_FILE}",
      description = "Tenants to have, one line each: 'tenant NAME max_bytes=N max_keys=N "
          + "requests_per_second=N read_units_per_minute=N write_units_per_minute=N' (a limit "
          + "left out is 0; # comments). Missing tenants are created and every listed tenant "
          + "gets its line's limits at start-up; others are left alone; tokens are issued "
          + "through AdminService. Env: ATOMKV_TENANTS_FILE.")
  Path file;

  /** The parsed file, or null without one; IllegalArgumentException naming the bad line. */
  TenantsFile read() {
    return file == null ? null : TenantsFile.read(file);
  }

  /**
   * Applies the file once the server serves. A single node applies it before start-up returns
   * and a failure stops the server; a cluster member cannot commit before the cluster has a
   * leader, which may need members not started yet, so it applies the file in the background,
   * retrying while the cluster is unavailable.
   */
  void apply(AtomkvServer server, TenantRegistry registry, boolean cluster) {
    if (file == null) {
      return;
    }
    if (!cluster) {
      try {
        log(read().apply(registry));
      } catch (RuntimeException e) {
        server.close();
        throw new StartupException("cannot apply --tenants-file " + file + ": "
            + StartupException.rootMessage(e), e);
      }
      return;
    }
    TenantsFile tenants = read();
    Thread t = new Thread(() -> applyWhenCommitting(tenants, registry), "atomkv-tenants-file");
    t.setDaemon(true);
    t.start();
  }

  private void applyWhenCommitting(TenantsFile tenants, TenantRegistry registry) {
    while (!registry.closed()) {
      try {
        log(tenants.apply(registry));
        return;
      } catch (KvException e) {
        if (registry.closed()) {
          return; // the server is stopping
        }
        if (e.kind() != ErrorKind.UNAVAILABLE) {
          LOG.error("tenants file not applied: file={} error={}", file, e.getMessage());
          return;
        }
        LOG.info("tenants file waits for the cluster to commit: file={} cause={}", file,
            e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("tenants file not applied: file={} error={}", file, e.toString());
        return;
      }
      try {
        Thread.sleep(CLUSTER_RETRY_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void log(TenantsFile.Applied applied) {
    LOG.info("tenants file applied: file={} created={} limitsSet={} unchanged={}", file,
        applied.created(), applied.limitsSet(), applied.unchanged());
  }
}
