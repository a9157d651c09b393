package dev.atomkv.client;

import java.util.Objects;

/**
 * The condition of a conditional set or delete (Forge's conditional write): the {@link Filter} is
 * evaluated against the key's value before the request, a missing key or a value that is not JSON
 * counting as the empty document {@code {}} (so {@link Condition#notExists()} expresses "create
 * only"). If it does not match, the whole commit fails ({@code ok=false}) and the mutation's index
 * is in {@link CommitResult#failedConditions()}.
 *
 * <pre>{@code
 * import static dev.atomkv.client.Condition.*;
 * import static dev.atomkv.client.Where.where;
 *
 * kv.atomic()
 *     .set(key, KvValue.json(doc), where(Filter.and("surname", beginsWith("S"))))
 *     .delete(other, where(Filter.and("leaving", exists())))
 *     .commit();
 * }</pre>
 *
 * @param filter what the key's value must match
 */
public record Where(Filter filter) {
  /** @throws NullPointerException if {@code filter} is null */
  public Where {
    Objects.requireNonNull(filter, "filter");
  }

  /** The condition that the key's value matches {@code filter}. */
  public static Where where(Filter filter) {
    return new Where(filter);
  }
}
