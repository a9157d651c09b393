package dev.atomkv.server.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --tenants-file format: what it accepts, and the line each refusal names. */
class TenantsFileTest {
  @TempDir Path dir;

  private Path write(String text) throws IOException {
    return Files.writeString(dir.resolve("tenants"), text);
  }

  @Test
  void readsTenantsWithLimitsCommentsAndBlankLines() throws IOException {
    TenantsFile f = TenantsFile.read(write("""
        # the tenants of this server
        tenant billing max_bytes=1000000 max_keys=500   # quotas
        
          tenant search requests_per_second=50 read_units_per_minute=600 write_units_per_minute=60
        tenant default max_keys=7
        tenant bare
        """));
    assertEquals(4, f.lines().size());
    assertEquals(new TenantsFile.Line(2, "billing", Map.of("max_bytes", 1_000_000L,
        "max_keys", 500L)), f.lines().get(0));
    assertEquals(4, f.lines().get(1).number());
    assertEquals(60L, f.lines().get(1).limits().get("write_units_per_minute"));
    assertEquals("default", f.lines().get(2).name());
    assertEquals(Map.of(), f.lines().get(3).limits());
  }

  @Test
  void everyRefusalNamesTheFileAndLine() throws IOException {
    refused("tenant ok\nuser bob\n", "line 2: expected 'tenant NAME [limit=N ...]', got 'user'");
    refused("tenant\n", "line 1: 'tenant' needs a name");
    refused("\n\ntenant Bad_Name\n", "line 3: tenant name 'Bad_Name' must be 1 to 32 characters");
    refused("tenant a max_files=3\n", "line 1: 'max_files=3' is not a limit: write max_bytes=N");
    refused("tenant a max_keys\n", "line 1: 'max_keys' is not a limit");
    refused("tenant a max_keys=-1\n", "line 1: max_keys must be a whole number from 0 to");
    refused("tenant a max_keys=1k\n", "line 1: max_keys must be a whole number");
    refused("tenant a max_keys=99999999999999999999\n", "line 1: max_keys must be a whole number");
    refused("tenant a max_keys=1 max_keys=2\n", "line 1: max_keys is given twice");
    refused("tenant a\n# b\ntenant a\n", "line 3: tenant 'a' is on line 1 already");
  }

  private void refused(String text, String expected) throws IOException {
    Path file = write(text);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TenantsFile.read(file));
    assertTrue(e.getMessage().startsWith("--tenants-file " + file + " " + expected.substring(0, 4)),
        e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
