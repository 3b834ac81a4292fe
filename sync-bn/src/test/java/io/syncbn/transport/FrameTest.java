package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The frame header and the receiver's check of it. */
class FrameTest {

    private static final Frame.Header ALL_REDUCE = new Frame.Header(Frame.Kind.ALL_REDUCE,
            Frame.Algorithm.RING, 0, 12, 1000, 0, 0);

    @Test
    void aHeaderSurvivesTheWire() throws Frame.ProtocolException {
        Frame.Header header = new Frame.Header(Frame.Kind.BROADCAST_FLOAT, Frame.Algorithm.CHAIN, 77, 5, 9, 2, 36);
        ByteBuffer wire = ByteBuffer.allocate(Frame.HEADER_BYTES);
        header.writeTo(wire);
        wire.flip();
        assertEquals(header, Frame.read(wire));
    }

    @Test
    void theExpectedFrameHasNoProblem() {
        assertNull(Frame.Expect.exactly(ALL_REDUCE, 4000).problem(ALL_REDUCE.withBytes(4000)));
    }

    @Test
    void aHostileLengthIsRefusedBeforeAnyAllocation() {
        String problem = Frame.Expect.exactly(ALL_REDUCE, 4000).problem(ALL_REDUCE.withBytes(Integer.MAX_VALUE));
        assertEquals("announced a payload of 2147483647 bytes where allReduce #12 (ring) expects exactly 4000;"
                + " the frame was refused unread", problem);
        assertEquals("announced a payload of -1 bytes where allReduce #12 (ring) expects at most 64;"
                + " the frame was refused unread", new Frame.Expect(ALL_REDUCE, 0, 64).problem(ALL_REDUCE.withBytes(-1)));
    }

    @Test
    void disagreementsAreNamed() {
        Frame.Expect expect = Frame.Expect.exactly(ALL_REDUCE, 4000);
        assertEquals("sent barrier #12 (dissemination) while this rank is in allReduce #12 (ring); every rank must"
                + " call the same collectives, with the same group sizes, in the same order",
                expect.problem(new Frame.Header(Frame.Kind.BARRIER, Frame.Algorithm.DISSEMINATION, 0, 12, 0, 0, 0)));
        assertEquals("runs allReduce #12 (recursive doubling) while this rank runs allReduce #12 (ring); every rank"
                + " must use the same TcpConfig thresholds",
                expect.problem(new Frame.Header(Frame.Kind.ALL_REDUCE, Frame.Algorithm.RECURSIVE_DOUBLING, 0, 12,
                        1000, 0, 4000)));
        assertEquals("passes 999 values to allReduce #12 (ring) while this rank passes 1000; every rank must pass"
                + " arrays of the same length",
                expect.problem(new Frame.Header(Frame.Kind.ALL_REDUCE, Frame.Algorithm.RING, 0, 12, 999, 0, 4000)));
    }

    @Test
    void bytesThatAreNotAFrameAreRefused() {
        ByteBuffer wire = ByteBuffer.allocate(Frame.HEADER_BYTES).putInt(0x48545450).putInt(0);
        wire.rewind();
        Frame.ProtocolException e = assertThrows(Frame.ProtocolException.class, () -> Frame.read(wire));
        assertEquals("sent bytes that are not a syncbn frame (magic 0x48545450)", e.getMessage());
    }

    @Test
    void anAbortSurvivesTheWireAndIsCutToItsLimit() throws Frame.ProtocolException {
        Abort abort = new Abort(3, 1, true, "x".repeat(10_000));
        ByteBuffer wire = abort.encode();
        assertEquals(Abort.MAX_BYTES, wire.remaining(), "cut to the limit");
        Abort back = Abort.decode(wire, 4);
        assertEquals(3, back.culprit());
        assertEquals(1, back.origin());
        assertEquals(true, back.timeout());
        Frame.ProtocolException e = assertThrows(Frame.ProtocolException.class,
                () -> Abort.decode(new Abort(7, 1, false, "").encode(), 4));
        assertEquals("sent an abort frame naming culprit 7 and origin 1 in a job of 4 ranks", e.getMessage());
    }
}
