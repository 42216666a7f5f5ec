package io.pulsarws.codec;

/**
 * Where the frames of an HTTP request body are: one frame (a JSON object) or a JSON array of them, each handed on
 * as the bytes it came in ({@link FrameCodec#splitFrames}).
 *
 * @param array true when the body was an array (the answer is then an array too, in the same order)
 * @param offsets where each frame starts in the body
 * @param lengths each frame's length in bytes
 * @since 2.4.0
 */
public record FrameSpans(boolean array, int[] offsets, int[] lengths) {
    /** @return how many frames the body holds */
    public int count() {
        return offsets.length;
    }
}
