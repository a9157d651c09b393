package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.console.ServerFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings the console shows: every flag, its value in force, and no secret's value. */
class ConsoleLauncherTest {
  @TempDir Path dir;

  @Test
  void everySettingIsShownWithItsValueAndTheTokenIsHidden() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "other-secret readonly\n");
    ServerConfig config = ServerConfig.parse("--auth-token=very-secret-value",
        "--auth-tokens-file=" + tokens, "--max-list-limit=77", "--data-dir=" + dir,
        "--map-size=2g");
    List<ServerFacts.Setting> settings = ConsoleLauncher.settings(config);
    Map<String, String> byName = settings.stream().collect(Collectors.toMap(
        ServerFacts.Setting::name, s -> String.valueOf(s.value())));
    assertEquals(ServerFacts.HIDDEN, byName.get("--auth-token"));
    assertEquals(tokens.toString(), byName.get("--auth-tokens-file"),
        "a file's name is not the secret: its contents are");
    assertEquals("77", byName.get("--max-list-limit"));
    assertEquals(String.valueOf(2L << 30), byName.get("--map-size"));
    assertEquals("null", byName.get("--tls-key"));
    for (String flag : List.of("--bind", "--port", "--console-port", "--cluster-id", "--peers",
        "--insecure")) {
      assertTrue(byName.containsKey(flag), flag + " missing from " + byName.keySet());
    }
    assertFalse(settings.toString().contains("very-secret-value"), settings.toString());
  }

  @Test
  void anUnsetTokenIsShownAsUnset() {
    ServerFacts.Setting token = ConsoleLauncher.settings(ServerConfig.parse()).stream()
        .filter(s -> s.name().equals("--auth-token")).findFirst().orElseThrow();
    assertNull(token.value());
  }
}
