package dev.atomkv.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.Key;
import dev.atomkv.proto.v1.Consistency;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.DropEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.GetEntityRequest;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.ListEntitiesRequest;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.RangeCondition;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.proto.v1.SortOrder;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Custom entities: definitions (proto3 JSON in and out) and queries over their indexes. */
final class EntityCommands {
  private EntityCommands() {}

  /** Forge's names for the where operators, as the command line takes them. */
  static final Map<String, RangeOperator> OPERATORS = Map.of(
      "equalTo", RangeOperator.RANGE_OPERATOR_EQUAL_TO,
      "beginsWith", RangeOperator.RANGE_OPERATOR_BEGINS_WITH,
      "between", RangeOperator.RANGE_OPERATOR_BETWEEN,
      "greaterThan", RangeOperator.RANGE_OPERATOR_GREATER_THAN,
      "greaterThanEqualTo", RangeOperator.RANGE_OPERATOR_GREATER_THAN_EQUAL_TO,
      "lessThan", RangeOperator.RANGE_OPERATOR_LESS_THAN,
      "lessThanEqualTo", RangeOperator.RANGE_OPERATOR_LESS_THAN_EQUAL_TO);

  abstract static class EntityBase extends Cli.Base {
    EntityServiceGrpc.EntityServiceBlockingStub entities() {
      return EntityServiceGrpc.newBlockingStub(cli.channel())
          .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    static void print(PrintWriter out, MessageOrBuilder m) throws InvalidProtocolBufferException {
      out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(m));
    }
  }

  /** A read, which may be answered from a cluster member's own store. */
  abstract static class ReadBase extends EntityBase {
    @Option(names = "--eventual",
        description = "Read the node's own store (a cluster member may lag a little behind).")
    boolean eventual;

    Consistency consistency() {
      return eventual ? Consistency.CONSISTENCY_EVENTUAL : Consistency.CONSISTENCY_STRONG;
    }
  }

  /** The text of a JSON argument: inline, a file, or stdin for {@code -}. */
  static String read(String inline, String file) throws IOException {
    if (inline != null) {
      return inline;
    }
    if (file.equals("-")) {
      return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      return Files.readString(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new IOException("no such file: " + file);
    }
  }

  static <B extends Message.Builder> B parse(String json, B builder, String what) {
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("bad " + what + " JSON: " + e.getMessage());
    }
    return builder;
  }

  /** A JSON value given on the command line; text that is not JSON is taken as a string. */
  static com.google.protobuf.Value value(String text) {
    com.google.protobuf.Value.Builder v = com.google.protobuf.Value.newBuilder();
    try {
      JsonFormat.parser().merge(text, v);
      return v.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return com.google.protobuf.Value.newBuilder().setStringValue(text).build();
    }
  }

  @Command(
      name = "entity-define",
      mixinStandardHelpOptions = true,
      description = {
        "Creates or replaces an entity definition, given as proto3 JSON of EntityDefinition:",
        "{\"name\":\"employee\",\"attributes\":[{\"name\":\"age\",\"type\":\"ATTRIBUTE_TYPE_INTEGER\"}],",
        "\"indexes\":[{\"name\":\"by-age\",\"range\":\"age\"}]}. Prints the stored definition",
        "(with its version, and each index's state: an index added while the entity holds",
        "documents is INDEX_STATE_BUILDING until the server has indexed them)."
      })
  static final class Define extends EntityBase {
    @Parameters(arity = "0..1", paramLabel = "FILE",
        description = "The definition's JSON file, or - for stdin.")
    String file;

    @Option(names = "--json", paramLabel = "JSON", description = "The definition inline.")
    String json;

    @Option(names = "--expected-version", paramLabel = "N",
        description = "Refuse unless the stored definition is at this version (0: any).")
    long expectedVersion;

    @Override
    int run(PrintWriter out) throws IOException {
      if ((file == null) == (json == null)) {
        throw new IllegalArgumentException("entity-define takes a FILE or --json, not "
            + (file == null ? "neither" : "both"));
      }
      EntityDefinition def = parse(read(json, file), EntityDefinition.newBuilder(),
          "EntityDefinition").build();
      print(out, entities().defineEntity(DefineEntityRequest.newBuilder().setDefinition(def)
          .setExpectedVersion(expectedVersion).build()).getDefinition());
      return 0;
    }
  }

  @Command(name = "entity-list", mixinStandardHelpOptions = true,
      description = "Prints every entity definition, one JSON line each, by name.")
  static final class ListAll extends ReadBase {
    @Override
    int run(PrintWriter out) throws IOException {
      for (EntityDefinition d : entities().listEntities(ListEntitiesRequest.newBuilder()
          .setConsistency(consistency()).build()).getDefinitionsList()) {
        print(out, d);
      }
      return 0;
    }
  }

  @Command(name = "entity-get", mixinStandardHelpOptions = true,
      description = "Prints one entity definition as JSON. Exit code 1 when it is not defined.")
  static final class Get extends ReadBase {
    @Parameters(index = "0", paramLabel = "ENTITY", description = "The entity's name.")
    String name;

    @Override
    int run(PrintWriter out) throws IOException {
      print(out, entities().getEntity(GetEntityRequest.newBuilder().setName(name)
          .setConsistency(consistency()).build()).getDefinition());
      return 0;
    }
  }

  @Command(name = "entity-drop", mixinStandardHelpOptions = true,
      description = {"Removes an entity definition; prints {\"dropped\":true|false}.",
        "Exit code 1 while the entity holds documents (delete them first)."})
  static final class Drop extends EntityBase {
    @Parameters(index = "0", paramLabel = "ENTITY", description = "The entity's name.")
    String name;

    @Override
    int run(PrintWriter out) throws IOException {
      boolean dropped = entities().dropEntity(DropEntityRequest.newBuilder().setName(name)
          .build()).getDropped();
      out.println("{\"dropped\":" + dropped + "}");
      return 0;
    }
  }

  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      description = {
        "Reads one page of an entity's index: one JSON line per document,",
        "{\"key\":\"e1\",\"value\":{...},\"versionstamp\":\"...\",\"expiresAt\":null}, then",
        "{\"cursor\":\"...\"} when more remain (pass it to --cursor to continue).",
        "Values (--partition, --where) are JSON; text that is not JSON is a string."
      })
  static final class Query extends ReadBase {
    private static final HexFormat HEX = HexFormat.of();

    @Parameters(index = "0", paramLabel = "ENTITY", description = "The entity.")
    String entity;

    @Parameters(index = "1", paramLabel = "INDEX", description = "The index to read.")
    String index;

    @Option(names = "--partition", paramLabel = "VALUE",
        description = "One value per partition attribute of the index, in its order (repeat).")
    List<String> partition = new ArrayList<>();

    @Option(names = "--where", arity = "2..3", paramLabel = "OP VALUE",
        description = "A condition on the range attribute: equalTo, beginsWith, greaterThan,"
            + " greaterThanEqualTo, lessThan, lessThanEqualTo take one value; between two"
            + " (--where between 20 40).")
    List<String> where;

    @Option(names = "--filter", paramLabel = "JSON",
        description = "Conditions on each document, as proto3 JSON of Filter:"
            + " {\"conditions\":[{\"attribute\":\"name\",\"op\":\"OPERATOR_BEGINS_WITH\","
            + "\"values\":[\"A\"]}]}.")
    String filter;

    @Option(names = "--sort", paramLabel = "asc|desc", defaultValue = "asc",
        description = "Ascending (default) or descending range value, then document key.")
    String sort;

    @Option(names = "--limit", paramLabel = "N",
        description = "Results in the page, 1..1000 (default 100).")
    int limit;

    @Option(names = "--cursor", paramLabel = "CURSOR",
        description = "Continue after a previous page (its printed cursor).")
    String cursor = "";

    @Override
    int run(PrintWriter out) throws IOException {
      QueryRequest.Builder q = QueryRequest.newBuilder().setEntity(entity).setIndex(index)
          .setLimit(limit).setCursor(cursor).setConsistency(consistency());
      partition.forEach(p -> q.addPartition(value(p)));
      if (where != null) {
        RangeOperator op = OPERATORS.get(where.get(0));
        if (op == null) {
          throw new IllegalArgumentException("unknown --where operator " + where.get(0)
              + " (expected one of " + String.join(", ", new java.util.TreeSet<>(
                  OPERATORS.keySet())) + ")");
        }
        RangeCondition.Builder w = RangeCondition.newBuilder().setOp(op);
        where.subList(1, where.size()).forEach(v -> w.addValues(value(v)));
        q.setWhere(w);
      }
      if (filter != null) {
        q.setFilter(parse(filter, Filter.newBuilder(), "Filter"));
      }
      q.setSort(switch (sort) {
        case "asc" -> SortOrder.SORT_ORDER_ASC;
        case "desc" -> SortOrder.SORT_ORDER_DESC;
        default -> throw new IllegalArgumentException("--sort must be asc or desc, got " + sort);
      });
      QueryResponse page = entities().query(q.build());
      for (Entry e : page.getResultsList()) {
        out.println(line(e));
      }
      if (!page.getCursor().isEmpty()) {
        out.println("{\"cursor\":" + JsonOut.quote(page.getCursor()) + "}");
      }
      return 0;
    }

    /** A result as {@code get} prints an entry, its value the document itself. */
    static String line(Entry e) {
      List<Object> parts = new ArrayList<>();
      for (KeyPart p : e.getKey().getPartsList()) {
        parts.add(switch (p.getKindCase()) {
          case BYTES -> p.getBytes().toByteArray();
          case STRING -> p.getString();
          case INT -> p.getInt();
          case BIG_INT -> new BigInteger(p.getBigInt());
          case NUMBER -> p.getNumber();
          case BOOLEAN -> p.getBoolean();
          default -> throw new IllegalStateException("key part without a kind");
        });
      }
      return "{\"key\":" + JsonOut.quote(KeySyntax.format(Key.ofParts(parts)))
          + ",\"value\":" + JsonOut.json(e.getValue().getJson())
          + ",\"versionstamp\":" + JsonOut.quote(HEX.formatHex(e.getVersionstamp().toByteArray()))
          + ",\"expiresAt\":" + (e.getExpiresAtMs() == 0 ? "null"
              : JsonOut.quote(Instant.ofEpochMilli(e.getExpiresAtMs()).toString())) + "}";
    }
  }
}
