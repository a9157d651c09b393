package dev.atomkv.reliability;

/** The seed of a randomised run: fixed in CI, overridable with -Datomkv.test.seed, always printed. */
final class Seeds {
  private Seeds() {}

  static long seed(String testName) {
    String prop = System.getProperty("atomkv.test.seed");
    long seed = prop == null || prop.isBlank() ? 20261122L : Long.parseLong(prop.trim());
    System.out.println(testName + " seed=" + seed + " (rerun with -Datomkv.test.seed=" + seed + ")");
    return seed;
  }
}
