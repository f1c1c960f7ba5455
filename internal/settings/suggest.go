package settings

// closest returns the candidate nearest to word by edit distance, if one is
// near enough to be a likely typo: at most 2 edits, and fewer than half the
// word's length. Ties go to the first candidate in order. The only typo
// hint: at reload the C layer asks a helper for it (c/settings.c).
func closest(word string, candidates []string) (string, bool) {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein(word, c); d < bestDist && 2*d < len(word) {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
