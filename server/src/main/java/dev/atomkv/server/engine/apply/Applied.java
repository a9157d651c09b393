package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.CommitResult;
import java.util.List;

/**
 * What applying one request did.
 *
 * @param result committed with its versionstamp, or refused by its checks or conditions (nothing
 *     was then written)
 * @param changes the user keys written or removed, for the change feed; empty when refused
 */
public record Applied(CommitResult result, List<KeyChange> changes) {
  public Applied {
    changes = List.copyOf(changes);
  }
}
