// Command informer measures client-go's shared informer for the kubeset bench
// (bench/sec_informer.py): the time a pods informer of a SharedInformerFactory
// takes to hold every pod of the cluster, and the memory it then holds; or, with
// -replay, how many watch events per second it decodes and stores from the local
// replay server.
//
// It prints one JSON object on stdout. Build: go build -o informer . (in this
// directory; the module pins k8s.io/client-go v0.36.3, the apiserver's version).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// kibOf reads one "Name:   123 kB" line of /proc/self/status.
func kibOf(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, field+":") {
			parts := strings.Fields(line)
			v, _ := strconv.ParseFloat(parts[1], 64)
			return v
		}
	}
	return 0
}

func rssMiB() float64 { return kibOf("VmRSS") / 1024 }

// requestLog counts the requests the informer makes, to tell a streaming list
// (a watch with sendInitialEvents=true) from a paged LIST.
type requestLog struct {
	next      http.RoundTripper
	watchList atomic.Bool
	lists     atomic.Int64
	watches   atomic.Int64
}

func (r *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		r.watches.Add(1)
		if q.Get("sendInitialEvents") == "true" {
			r.watchList.Store(true)
		}
	} else {
		r.lists.Add(1)
	}
	return r.next.RoundTrip(req)
}

func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the apiserver holding the pods")
	replay := flag.String("replay", "", "http://host:port of bench/replay_server.py (events mode)")
	events := flag.Int("events", 0, "events to wait for in -replay mode")
	budget := flag.Duration("budget", time.Minute, "in -replay mode, stop counting after this long")
	transform := flag.Bool("transform", false, "drop metadata.managedFields before storing")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	seed := flag.String("seed", "", "seed mode: a file of JSON lines, a pod to create then its status")
	concurrency := flag.Int("concurrency", 16, "requests in flight in -seed mode")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	jsonOnly := flag.Bool("json", false, "read JSON (client-go's built-in clients default to protobuf)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	var cfg *rest.Config
	var err error
	if *replay != "" {
		cfg = &rest.Config{Host: *replay}
	} else {
		cfg, err = clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if err != nil {
			fail(err)
		}
	}
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit, as the Python subjects
	if *jsonOnly {
		// An explicit content type overrides the protobuf the generated clients prefer.
		cfg.ContentType = "application/json"
		cfg.AcceptContentTypes = "application/json"
	}
	rl := &requestLog{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { rl.next = rt; return rl })
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	if *seed != "" {
		seedPods(cs, *seed, *concurrency)
		return
	}
	var opts []informers.SharedInformerOption
	if *transform {
		opts = append(opts, informers.WithTransform(dropManagedFields))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, opts...)
	informer := factory.Core().V1().Pods().Informer()
	var seen atomic.Int64
	done := make(chan struct{})
	if *replay != "" {
		target := int64(*events)
		count := func() {
			if seen.Add(1) == target {
				close(done)
			}
		}
		_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(interface{}) { count() },
			UpdateFunc: func(_, _ interface{}) { count() },
		})
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := rssMiB()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		fail(fmt.Errorf("the cache did not sync in %s", *timeout))
	}
	synced := time.Since(start).Seconds()
	out := map[string]interface{}{
		"watch_list_feature": clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient),
		"encoding":           map[bool]string{true: "json", false: "protobuf"}[*jsonOnly],
		"watch_list_used":    rl.watchList.Load(),
		"list_requests":      rl.lists.Load(),
		"go_version":         runtime.Version(),
	}
	if *replay != "" {
		select {
		case <-done:
		case <-time.After(*budget - time.Since(start)):
		}
		elapsed := time.Since(start).Seconds()
		out["events"] = seen.Load()
		out["seconds"] = elapsed
		out["events_per_second"] = float64(seen.Load()) / elapsed
	} else {
		peak := kibOf("VmHWM") / 1024
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		n := len(informer.GetStore().ListKeys())
		var managed int
		for _, o := range informer.GetStore().List() {
			managed += len(o.(*corev1.Pod).ManagedFields)
		}
		out["seconds"] = synced
		out["objects"] = n
		out["managed_fields_entries"] = managed
		out["rss_before_mib"] = rss0
		out["rss_after_mib"] = rssMiB()
		out["rss_added_mib"] = rssMiB() - rss0
		out["rss_peak_mib"] = peak
		out["go_heap_mib"] = float64(ms.HeapAlloc) / (1 << 20)
	}
	cancel()
	factory.Shutdown()
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(out)
}

// seedPods creates the pods of path as the bench's fixtures describe them: each pod
// is created by "kube-controller-manager" (an Update, as a ReplicaSet controller
// does), then its status is written by "kubelet" through the status subresource,
// so that the server records the managedFields of both.
func seedPods(cs *kubernetes.Clientset, path string, concurrency int) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines)%2 != 0 {
		fail(fmt.Errorf("%s: a create and a status line per pod expected", path))
	}
	type target struct{ ns, name string }
	targets := make([]target, len(lines)/2)
	namespaces := map[string]bool{}
	for i := range targets {
		var head struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal([]byte(lines[2*i]), &head); err != nil {
			fail(err)
		}
		targets[i] = target{head.Metadata.Namespace, head.Metadata.Name}
		namespaces[head.Metadata.Namespace] = true
	}
	ctx := context.Background()
	for ns := range namespaces {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			fail(err)
		}
	}
	rc := cs.CoreV1().RESTClient()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, concurrency)
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(targets) {
					return
				}
				t := targets[i]
				err := rc.Post().Namespace(t.ns).Resource("pods").
					Param("fieldManager", "kube-controller-manager").
					SetHeader("Content-Type", "application/json").
					Body([]byte(lines[2*i])).Do(ctx).Error()
				if err == nil {
					err = rc.Patch(types.MergePatchType).Namespace(t.ns).Resource("pods").
						Name(t.name).SubResource("status").Param("fieldManager", "kubelet").
						Body([]byte(lines[2*i+1])).Do(ctx).Error()
				}
				if err != nil {
					errs <- fmt.Errorf("pod %s/%s: %w", t.ns, t.name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fail(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"pods": len(targets), "seconds": time.Since(start).Seconds(),
	})
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "informer:", err)
	os.Exit(1)
}
