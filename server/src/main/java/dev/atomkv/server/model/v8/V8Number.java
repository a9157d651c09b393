package dev.atomkv.server.model.v8;

import java.math.BigInteger;

/** A JavaScript number or bigint, as a V8-serialised sum operand or stored counter holds it. */
public sealed interface V8Number {

  /** The name JavaScript programmers know the type by, for error messages. */
  String typeName();

  /** A JavaScript number (IEEE-754 double). */
  record Num(double value) implements V8Number {
    @Override
    public String typeName() {
      return "Number";
    }
  }

  /** A JavaScript bigint. */
  record Big(BigInteger value) implements V8Number {
    @Override
    public String typeName() {
      return "BigInt";
    }
  }
}
