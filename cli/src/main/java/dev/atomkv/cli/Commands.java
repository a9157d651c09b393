package dev.atomkv.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvListIterator;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.KvWatch;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.KvServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The subcommands of {@link Cli}. */
final class Commands {
  private Commands() {}

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = {
        "Reads keys from one snapshot.",
        "Prints one JSON line per key, in the order given:",
        "{\"key\":\"users/42n\",\"kind\":\"string\",\"value\":\"Ada\",\"versionstamp\":\"<20 hex>\",\"expiresAt\":null}",
        "A missing key prints kind, value and versionstamp as null."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Get extends Cli.Base {
    @Parameters(arity = "1..*", paramLabel = "KEY", description = "Keys to read (up to 1000).")
    List<String> keys;

    @Override
    int run(PrintWriter out) {
      List<Key> parsed = KeySyntax.parseAllNonEmpty(keys);
      for (KvEntry e : cli.client().getMany(parsed)) {
        out.println(JsonOut.entry(e));
      }
      return 0;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = {
        "Stores a value under a key (an atomic write of one set).",
        "Prints the commit:",
        "{\"ok\":true,\"versionstamp\":\"<20 hex>\",\"failedChecks\":[],\"failedConditions\":[]}"
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Set extends Cli.Base {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value, read as --type.")
    String value;

    @Option(
        names = "--type",
        defaultValue = "string",
        description = "How VALUE is read: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}). "
            + "bytes and v8 are standard base64, u64 an unsigned decimal, json any JSON text.")
    ValueSyntax.Type type;

    @Option(
        names = "--expire-in",
        paramLabel = "DURATION",
        description = "Expire the key after this long: 500ms, 10s, 5m, 2h, 1d or ISO-8601 (PT1M30S).")
    String expireIn;

    @Override
    int run(PrintWriter out) {
      Key k = KeySyntax.parseNonEmpty(key);
      KvValue v = ValueSyntax.parse(type, value);
      KvClient kv = cli.client();
      if (expireIn == null) {
        return printCommit(out, kv.set(k, v));
      }
      Duration d = ValueSyntax.duration(expireIn);
      return printCommit(out, kv.set(k, v, d));
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Removes keys in one atomic write.",
        "Removing a missing key is fine. Prints the commit as set does."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Delete extends Cli.Base {
    @Parameters(arity = "1..*", paramLabel = "KEY", description = "Keys to remove.")
    List<String> keys;

    @Override
    int run(PrintWriter out) {
      List<Key> parsed = KeySyntax.parseAllNonEmpty(keys);
      var op = cli.client().atomic();
      parsed.forEach(op::delete);
      return printCommit(out, op.commit());
    }
  }

  @Command(
      name = "sum",
      mixinStandardHelpOptions = true,
      description = {
        "Adds N to the u64 counter under KEY.",
        "Wraps modulo 2^64; a missing key becomes N.",
        "A value of another kind fails with FAILED_PRECONDITION. Prints the commit as set does."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Sum extends Cli.Base {
    @Parameters(index = "0", paramLabel = "KEY", description = "The counter's key.")
    String key;

    @Parameters(index = "1", paramLabel = "N", description = "An unsigned decimal, 0..18446744073709551615.")
    String operand;

    @Override
    int run(PrintWriter out) {
      Key k = KeySyntax.parseNonEmpty(key);
      long n = ValueSyntax.u64(operand);
      return printCommit(out, cli.client().atomic().sum(k, n).commit());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists entries in key order as JSON lines.",
        "Each line has the shape get prints.",
        "  list PREFIX                 keys extending PREFIX (not PREFIX itself)",
        "  list PREFIX --start KEY     ... from KEY (inclusive; KEY extends PREFIX)",
        "  list PREFIX --end KEY       ... up to KEY (exclusive; KEY extends PREFIX)",
        "  list --start KEY --end KEY  keys in [start, end)",
        "  list                        every key (--start or --end alone bound it)",
        "Pages are read as needed; each page is one snapshot."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class ListKeys extends Cli.Base {
    @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "The prefix (default: the whole keyspace).")
    String prefix;

    @Option(names = "--start", paramLabel = "KEY", description = "Inclusive lower bound.")
    String start;

    @Option(names = "--end", paramLabel = "KEY", description = "Exclusive upper bound.")
    String end;

    @Option(names = "--reverse", description = "Descending key order.")
    boolean reverse;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
        description = "At most N entries (default 0: all).")
    long limit;

    @Override
    int run(PrintWriter out) {
      ListSelector selector = selector(prefix, start, end);
      if (limit < 0) {
        throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
      }
      ListOptions options = ListOptions.builder()
          .limit(limit)
          .batchSize(limit > 0 && limit < ListOptions.MAX_BATCH_SIZE ? (int) limit : ListOptions.MAX_BATCH_SIZE)
          .reverse(reverse)
          .build();
      KvListIterator entries = cli.client().list(selector, options);
      while (entries.hasNext()) {
        out.println(JsonOut.entry(entries.next()));
      }
      return 0;
    }
  }

  /** The selector of list and stats. */
  static ListSelector selector(String prefix, String start, String end) {
    Key s = start == null ? null : KeySyntax.parseNonEmpty(start);
    Key e = end == null ? null : KeySyntax.parseNonEmpty(end);
    if (prefix != null && !prefix.isEmpty()) {
      Key p = KeySyntax.parse(prefix);
      if (s != null && e != null) {
        throw new IllegalArgumentException("give PREFIX with --start or with --end, not both (or drop PREFIX)");
      }
      return s != null ? ListSelector.prefixStart(p, s) : e != null ? ListSelector.prefixEnd(p, e) : ListSelector.prefix(p);
    }
    if (s != null && e != null) {
      return ListSelector.range(s, e);
    }
    Key all = Key.of();
    return s != null ? ListSelector.prefixStart(all, s) : e != null ? ListSelector.prefixEnd(all, e) : ListSelector.prefix(all);
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = {
        "Watches up to 10 keys: prints their state now, then again whenever one of them changes",
        "(set, delete, expiry). One JSON line per event, each key as get prints it plus \"changed\":",
        "{\"readVersionstamp\":\"<20 hex>\",\"entries\":[{\"key\":\"users/42n\",...,\"changed\":true}]}",
        "Runs until interrupted (or --count events), reconnecting after UNAVAILABLE. A slow reader",
        "gets the latest state, not every step. --after resumes from a readVersionstamp printed",
        "earlier: no first line unless a key changed since."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Watch extends Cli.Base {
    @Parameters(arity = "1..*", paramLabel = "KEY", description = "Keys to watch.")
    List<String> keys;

    @Option(
        names = "--count",
        paramLabel = "N",
        description = "Stop after N events (default: run until interrupted).")
    long count;

    @Option(
        names = "--after",
        paramLabel = "VERSIONSTAMP",
        description = "Resume after this readVersionstamp (20 hex characters).")
    String after;

    @Override
    int run(PrintWriter out) {
      List<Key> parsed = KeySyntax.parseAllNonEmpty(keys);
      Versionstamp from = after == null ? null : Versionstamp.parse(after);
      try (KvWatch watch = cli.client().watch(parsed, from)) {
        for (long n = 0; (count <= 0 || n < count) && watch.hasNext(); n++) {
          out.println(JsonOut.watchEvent(watch.next()));
          out.flush(); // a line as soon as it happens, also through a pipe
        }
      }
      return 0;
    }
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description = {
        "Counts keys and kinds under a prefix, by listing them.",
        "The server has no stats call; this scans PREFIX (default: every key) and prints:",
        "{\"prefix\":\"users\",\"keys\":3,\"kinds\":{\"string\":2,\"u64\":1},\"latestVersionstamp\":\"<20 hex>\"}",
        "latestVersionstamp is the greatest versionstamp among the keys counted (null if none): the last",
        "commit that wrote a key still there, not the last commit overall. The scan reads pages of 1000,",
        "each its own snapshot, so it is not one point in time on a busy server."
      },
      footer = {"", KeySyntaxHelp.TEXT})
  static final class Stats extends Cli.Base {
    @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "The prefix (default: the whole keyspace).")
    String prefix;

    @Override
    int run(PrintWriter out) {
      ListSelector selector = selector(prefix, null, null);
      ListOptions options = ListOptions.builder().batchSize(ListOptions.MAX_BATCH_SIZE).build();
      KvListIterator entries = cli.client().list(selector, options);
      long count = 0;
      Map<String, Long> kinds = new TreeMap<>();
      Versionstamp latest = null;
      while (entries.hasNext()) {
        KvEntry e = entries.next();
        count++;
        kinds.merge(JsonOut.kind(e.value()), 1L, Long::sum);
        if (latest == null || e.versionstamp().compareTo(latest) > 0) {
          latest = e.versionstamp();
        }
      }
      StringJoiner k = new StringJoiner(",", "{", "}");
      kinds.forEach((name, n) -> k.add(JsonOut.quote(name) + ":" + n));
      out.println("{\"prefix\":" + JsonOut.quote(prefix == null ? "" : KeySyntax.format(KeySyntax.parse(prefix)))
          + ",\"keys\":" + count
          + ",\"kinds\":" + k
          + ",\"latestVersionstamp\":" + (latest == null ? "null" : JsonOut.quote(latest.toString())) + "}");
      return 0;
    }
  }

  @Command(
      name = "atomic",
      mixinStandardHelpOptions = true,
      description = {
        "Sends an AtomicRequest from a proto3 JSON file.",
        "FILE ('-': stdin) holds the JSON grpcurl takes for KvService/Atomic.",
        "A check's versionstamp may be 20 hex characters as this tool prints them, or base64.",
        "Prints {\"ok\":...,\"versionstamp\":\"<20 hex>\"|null,\"failedChecks\":[...],\"failedConditions\":[...]};",
        "exit code 3 when ok is false."
      })
  static final class Atomic extends Cli.Base {
    private static final HexFormat HEX = HexFormat.of();

    @Parameters(index = "0", paramLabel = "FILE", description = "The request's JSON, or - for stdin.")
    String file;

    @Override
    int run(PrintWriter out) throws IOException {
      AtomicRequest request = parseRequest(readFile(file), file);
      AtomicResponse response = KvServiceGrpc.newBlockingStub(cli.channel())
          .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS)
          .atomic(request);
      List<Integer> checks = response.getFailedChecksList();
      List<Integer> conditions = response.getFailedConditionsList();
      out.println("{\"ok\":" + response.getOk()
          + ",\"versionstamp\":" + (response.getVersionstamp().isEmpty() ? "null"
              : JsonOut.quote(HEX.formatHex(response.getVersionstamp().toByteArray())))
          + ",\"failedChecks\":" + JsonOut.ints(checks)
          + ",\"failedConditions\":" + JsonOut.ints(conditions) + "}");
      return response.getOk() ? 0 : Cli.EXIT_NOT_APPLIED;
    }

    private String readFile(String name) throws IOException {
      if (name.equals("-")) {
        InputStream in = System.in;
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      try {
        return Files.readString(Path.of(name));
      } catch (NoSuchFileException e) {
        throw new IOException("no such file: " + name);
      }
    }

    /**
     * The request in {@code json}. proto3 JSON reads bytes as base64, and 20 hex characters are
     * valid base64 for 15 bytes, never a versionstamp (10 bytes): such a check versionstamp is
     * taken back to its text and read as hex.
     */
    static AtomicRequest parseRequest(String json, String source) {
      AtomicRequest.Builder request = AtomicRequest.newBuilder();
      try {
        JsonFormat.parser().merge(json, request);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        throw new IllegalArgumentException("bad AtomicRequest JSON in " + source + ": " + e.getMessage());
      }
      for (int i = 0; i < request.getChecksCount(); i++) {
        Check check = request.getChecks(i);
        if (check.getExpectCase() == Check.ExpectCase.VERSIONSTAMP && check.getVersionstamp().size() == 15) {
          String text = Base64.getEncoder().encodeToString(check.getVersionstamp().toByteArray());
          if (text.matches("[0-9a-fA-F]{20}")) {
            request.setChecks(i, check.toBuilder().setVersionstamp(ByteString.copyFrom(HEX.parseHex(text))));
          }
        }
      }
      return request.build();
    }
  }
}
