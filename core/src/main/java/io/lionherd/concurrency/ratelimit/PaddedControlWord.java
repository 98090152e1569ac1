package io.lionherd.concurrency.ratelimit;

/**
 * A {@code volatile long} alone on its cache lines, for a word many threads CAS: without
 * the padding every CAS would also evict the neighbouring final fields each reader needs
 * (false sharing). HotSpot lays out superclass fields first, so the value sits between
 * the two pads and a subclass's own fields come after the right-hand pad.
 */
abstract class PaddedControlWord extends ControlWordValue {

	long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;

}

abstract class ControlWordValue extends ControlWordLeftPad {

	/** The word itself; {@link ControlWord} lays it out and CASes it. */
	volatile long ctl;

}

abstract class ControlWordLeftPad {

	long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;

}
