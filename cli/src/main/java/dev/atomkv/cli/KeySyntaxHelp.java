package dev.atomkv.cli;

/** The key syntax as the --help footers show it (picocli format text: %n is a line break, %% a percent sign). */
final class KeySyntaxHelp {
  static final String TEXT =
      "Keys: parts separated by '/', e.g. users/42n/profile. A part is%n"
          + "  users, any text    a string; str:TEXT forces one (str:true, str:42n, str:)%n"
          + "  42n, -7n, int:42   an integer%n"
          + "  num:1.5            a number (num:-0.0, num:1e-9, num:NaN, num:-Infinity)%n"
          + "  true, false        a boolean%n"
          + "  bytes:0a0b         bytes in hex (bytes: is empty bytes)%n"
          + "In text, %%2F is a literal '/' and %%25 a literal '%%' (%%XX: a UTF-8 byte).%n"
          + "An empty part (a//b, a trailing '/') is an error. Output uses this syntax.";

  private KeySyntaxHelp() {}
}
