package dev.atomkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --target} with several addresses; reaching servers is CliIT's part. */
class CliTargetTest {
  record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aBadAddressInTheListIsBadInputNamingIt() {
    Run r = run("--target", "127.0.0.1:1,kv2", "get", "k");
    assertEquals(Cli.EXIT_INPUT, r.code());
    assertEquals("atomkv: bad server address \"kv2\": no port (expected host:port)", r.err().strip());

    r = run("--target", "127.0.0.1:1,,127.0.0.1:2", "get", "k");
    assertEquals(Cli.EXIT_INPUT, r.code());
    assertEquals("atomkv: empty address in the list \"127.0.0.1:1,,127.0.0.1:2\""
        + " (expected host:port,host:port)", r.err().strip());

    r = run("--target", "127.0.0.1:1,127.0.0.1:70000", "set", "k", "v");
    assertEquals(Cli.EXIT_INPUT, r.code());
    assertEquals("atomkv: bad server address \"127.0.0.1:70000\": the port must be a number"
        + " from 1 to 65535", r.err().strip());
  }

  @Test
  void helpShowsThatSeveralAddressesAreTaken() {
    Run r = run("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--target=HOST:PORT[,HOST:PORT...]"), r.out());
  }
}
