package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

const (
	apiTimeout      = 10 * time.Second
	nodeCheckPeriod = 10 * time.Second
	statusAttempts  = 5
)

// ------------------------------------------------------------------- node

func (s *standin) nodeStatus(status *v1.NodeStatus) {
	now := metav1.Now()
	setNodeCondition := func(t v1.NodeConditionType, st v1.ConditionStatus, reason, msg string) {
		for i := range status.Conditions {
			c := &status.Conditions[i]
			if c.Type == t {
				if c.Status != st {
					c.LastTransitionTime = now
				}
				c.Status, c.Reason, c.Message, c.LastHeartbeatTime = st, reason, msg, now
				return
			}
		}
		status.Conditions = append(status.Conditions, v1.NodeCondition{
			Type: t, Status: st, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now,
		})
	}
	setNodeCondition(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available")
	setNodeCondition(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure")
	setNodeCondition(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available")
	setNodeCondition(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubeset kubelet stand-in is posting ready status")
	resources := v1.ResourceList{
		v1.ResourceCPU:    *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		v1.ResourceMemory: resource.MustParse("8Gi"),
		v1.ResourcePods:   resource.MustParse("110"),
	}
	status.Capacity, status.Allocatable = resources, resources.DeepCopy()
	status.Addresses = []v1.NodeAddress{
		{Type: v1.NodeInternalIP, Address: s.opts.nodeIP},
		{Type: v1.NodeHostName, Address: s.opts.nodeName},
	}
	status.DaemonEndpoints.KubeletEndpoint.Port = int32(s.opts.port)
	status.NodeInfo = v1.NodeSystemInfo{
		MachineID:               "kubeset",
		SystemUUID:              "kubeset",
		BootID:                  "kubeset",
		KernelVersion:           "",
		OSImage:                 "kubeset kubelet stand-in",
		ContainerRuntimeVersion: "kubeset://" + version,
		KubeletVersion:          version,
		OperatingSystem:         runtime.GOOS,
		Architecture:            runtime.GOARCH,
	}
}

// registerOnce creates the Node (if missing) and writes its status.
func (s *standin) registerOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	nodes := s.client.CoreV1().Nodes()
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: s.opts.nodeName,
		Labels: map[string]string{
			"kubernetes.io/hostname": s.opts.nodeName,
			"kubernetes.io/os":       runtime.GOOS,
			"kubernetes.io/arch":     runtime.GOARCH,
		},
	}}
	if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	current, err := nodes.Get(ctx, s.opts.nodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	s.nodeStatus(&current.Status)
	_, err = nodes.UpdateStatus(ctx, current, metav1.UpdateOptions{})
	return err
}

// registerNode registers the node, retrying for up to --start-timeout.
func (s *standin) registerNode(parent context.Context) error {
	deadline := time.Now().Add(s.opts.startTimeout)
	for {
		err := s.registerOnce(parent)
		if err == nil {
			klog.InfoS("node registered", "node", s.opts.nodeName, "address", s.opts.nodeIP, "port", s.opts.port)
			return nil
		}
		if time.Now().After(deadline) || parent.Err() != nil {
			return fmt.Errorf("registering node %s: %w", s.opts.nodeName, err)
		}
		klog.InfoS("registering the node failed; retrying", "err", err)
		select {
		case <-parent.Done():
		case <-time.After(time.Second):
		}
	}
}

// keepNode registers the node again if it disappears (a test deleted it).
// No lease or heartbeat: nothing in the test control plane watches them.
func (s *standin) keepNode() {
	tick := time.NewTicker(nodeCheckPeriod)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, apiTimeout)
		_, err := s.client.CoreV1().Nodes().Get(ctx, s.opts.nodeName, metav1.GetOptions{})
		cancel()
		if apierrors.IsNotFound(err) {
			if err := s.registerOnce(s.ctx); err != nil {
				klog.ErrorS(err, "registering the node again")
			}
		}
	}
}

// ------------------------------------------------------------------- pods

type containerKind int

const (
	regularContainer containerKind = iota
	initContainer
	ephemeralContainer
)

// containerState is one container of a pod: its spec as far as the stand-in
// uses it, its log file and its main process.
type containerState struct {
	name      string
	kind      containerKind
	image     string
	command   []string
	args      []string
	env       []v1.EnvVar // literal values only
	tty       bool
	stdinOnce bool
	dir       string // working directory of its processes
	logPath   string
	log       *criLog

	mu       sync.Mutex
	main     *mainProcess
	startErr error
	started  time.Time
}

func (c *containerState) mainProcess() *mainProcess {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.main
}

// exited: no main process runs (never started, failed to start, or exited).
func (c *containerState) exited() bool {
	m := c.mainProcess()
	if m == nil {
		return true
	}
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// podState is a pod bound to the node.
type podState struct {
	s         *standin
	namespace string
	name      string
	uid       types.UID
	created   time.Time
	procs     *procSet

	mu            sync.Mutex
	pod           *v1.Pod
	containers    map[string]*containerState
	terminating   bool
	forgotten     bool
	statusRunning bool
	statusDirty   bool
}

func (p *podState) key() string { return p.namespace + "/" + p.name }

func (p *podState) snapshot() *v1.Pod {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pod.DeepCopy()
}

func (p *podState) container(name string) *containerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.containers[name]
}

func (p *podState) anyRunning() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.containers {
		if !c.exited() {
			return true
		}
	}
	return false
}

func (s *standin) podList() []*podState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*podState, 0, len(s.pods))
	for _, p := range s.pods {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func literalEnv(env []v1.EnvVar) []v1.EnvVar {
	var out []v1.EnvVar
	for _, e := range env {
		if e.ValueFrom == nil {
			out = append(out, v1.EnvVar{Name: e.Name, Value: e.Value})
		}
	}
	return out
}

// watchPods follows the pods bound to the node (field selector
// spec.nodeName) until the stand-in stops.
func (s *standin) watchPods() error {
	lw := cache.NewListWatchFromClient(s.client.CoreV1().RESTClient(), "pods", metav1.NamespaceAll,
		fields.OneTermEqualSelector("spec.nodeName", s.opts.nodeName))
	informer := cache.NewSharedIndexInformer(lw, &v1.Pod{}, 0, cache.Indexers{})
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.podEvent(obj) },
		UpdateFunc: func(_, obj any) { s.podEvent(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*v1.Pod); ok {
				s.forgetPod(pod.Namespace+"/"+pod.Name, pod.UID)
			}
		},
	})
	if err != nil {
		return err
	}
	go informer.Run(s.ctx.Done())
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.startTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		return fmt.Errorf("listing the pods of node %s timed out", s.opts.nodeName)
	}
	return nil
}

func (s *standin) podEvent(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok || pod.Spec.NodeName != s.opts.nodeName {
		return
	}
	s.syncPod(pod)
}

// syncPod records the latest version of a pod bound to the node, starts the
// main processes of containers it has not seen yet, and terminates the pod
// once it is being deleted.
func (s *standin) syncPod(pod *v1.Pod) *podState {
	key := pod.Namespace + "/" + pod.Name
	s.mu.Lock()
	p := s.pods[key]
	if p != nil && p.uid != pod.UID {
		delete(s.pods, key) // a new pod with the same name
		go s.stopPod(p, 0)
		p = nil
	}
	fresh := p == nil
	if fresh {
		p = &podState{
			s: s, namespace: pod.Namespace, name: pod.Name, uid: pod.UID, created: time.Now(),
			procs: newProcSet(), containers: map[string]*containerState{},
		}
		s.pods[key] = p
	}
	s.mu.Unlock()

	terminal := pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
	var toStart []*containerState
	p.mu.Lock()
	p.pod = pod.DeepCopy()
	add := func(kind containerKind, name, image string, command, args []string, env []v1.EnvVar, tty, stdinOnce bool) {
		if _, ok := p.containers[name]; ok || p.forgotten {
			return
		}
		c := &containerState{
			name: name, kind: kind, image: image, command: command, args: args, env: literalEnv(env),
			tty: tty, stdinOnce: stdinOnce,
		}
		podDir := fmt.Sprintf("%s_%s_%s", p.namespace, p.name, p.uid)
		c.dir = filepath.Join(s.opts.rootDir, "pods", podDir, name)
		c.logPath = filepath.Join(s.opts.rootDir, "logs", podDir, name, "0.log")
		err := os.MkdirAll(c.dir, 0o700)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(c.logPath), 0o700)
		}
		if err == nil {
			c.log, err = openCRILog(c.logPath)
		}
		if err != nil {
			c.startErr = err
		}
		p.containers[name] = c
		if kind != initContainer && !terminal && !p.terminating && c.startErr == nil {
			toStart = append(toStart, c)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		add(initContainer, c.Name, c.Image, c.Command, c.Args, c.Env, c.TTY, c.StdinOnce)
	}
	for _, c := range pod.Spec.Containers {
		add(regularContainer, c.Name, c.Image, c.Command, c.Args, c.Env, c.TTY, c.StdinOnce)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		add(ephemeralContainer, c.Name, c.Image, c.Command, c.Args, c.Env, c.TTY, c.StdinOnce)
	}
	p.mu.Unlock()

	for _, c := range toStart {
		m, err := s.startMain(p, c)
		c.mu.Lock()
		c.main, c.startErr, c.started = m, err, time.Now()
		c.mu.Unlock()
		if err != nil {
			c.log.write("stderr", []byte(fmt.Sprintf("kubeset kubelet stand-in: cannot start container %q: %v\n", c.name, err)))
			c.log.flush()
			klog.InfoS("cannot start a container", "pod", p.key(), "container", c.name, "err", err)
		}
	}
	if pod.DeletionTimestamp != nil {
		grace := time.Duration(0)
		if pod.DeletionGracePeriodSeconds != nil {
			grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
		}
		go s.terminatePod(p, min(grace, s.opts.maxTerminationGrace))
	} else if fresh || len(toStart) > 0 {
		s.podChanged(p)
	}
	return p
}

// terminatePod ends a pod that is being deleted, as a kubelet does: stop its
// processes within the grace period, then delete it for good (grace period 0).
func (s *standin) terminatePod(p *podState, grace time.Duration) {
	p.mu.Lock()
	if p.terminating {
		p.mu.Unlock()
		return
	}
	p.terminating = true
	p.mu.Unlock()
	p.procs.killAll(grace)
	ctx, cancel := context.WithTimeout(s.ctx, apiTimeout)
	defer cancel()
	zero := int64(0)
	err := s.client.CoreV1().Pods(p.namespace).Delete(ctx, p.name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &p.uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.ErrorS(err, "deleting a terminated pod", "pod", p.key())
	}
}

// forgetPod: the pod is gone from the API server.
func (s *standin) forgetPod(key string, uid types.UID) {
	s.mu.Lock()
	p := s.pods[key]
	if p == nil || p.uid != uid {
		s.mu.Unlock()
		return
	}
	delete(s.pods, key)
	s.mu.Unlock()
	go s.stopPod(p, 0)
}

func (s *standin) stopPod(p *podState, grace time.Duration) {
	p.mu.Lock()
	p.forgotten, p.terminating = true, true
	p.mu.Unlock()
	p.procs.killAll(grace)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.containers {
		if c.log != nil {
			c.log.close()
		}
	}
}

// lookup finds a pod bound to the node and one of its containers ("" for
// none). A pod the watch has not delivered yet is read from the API server.
// On failure it returns the HTTP status to answer with.
func (s *standin) lookup(ctx context.Context, namespace, name, uid, container string) (*podState, *containerState, int, error) {
	s.mu.Lock()
	p := s.pods[namespace+"/"+name]
	s.mu.Unlock()
	fetch := func() (int, error) {
		ctx, cancel := context.WithTimeout(ctx, apiTimeout)
		defer cancel()
		pod, err := s.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return http.StatusNotFound, fmt.Errorf("pod %q does not exist", name)
		case err != nil:
			return http.StatusInternalServerError, err
		case pod.Spec.NodeName != s.opts.nodeName:
			return http.StatusNotFound, fmt.Errorf("pod %q is not bound to node %q", name, s.opts.nodeName)
		}
		p = s.syncPod(pod)
		return 0, nil
	}
	if p == nil {
		if status, err := fetch(); err != nil {
			return nil, nil, status, err
		}
	}
	if uid != "" && string(p.uid) != uid {
		return nil, nil, http.StatusNotFound, fmt.Errorf("pod %q with uid %s not found", name, uid)
	}
	if container == "" {
		return p, nil, 0, nil
	}
	c := p.container(container)
	if c == nil {
		// Perhaps an ephemeral container the watch has not delivered yet.
		if status, err := fetch(); err != nil {
			return nil, nil, status, err
		}
		c = p.container(container)
	}
	if c == nil {
		return nil, nil, http.StatusNotFound, fmt.Errorf("container %q not found in pod %q", container, name)
	}
	return p, c, 0, nil
}

// ------------------------------------------------------------- pod status

// podChanged schedules a status update of the pod (coalescing bursts).
func (s *standin) podChanged(p *podState) {
	p.mu.Lock()
	if p.terminating {
		p.mu.Unlock()
		return
	}
	if p.statusRunning {
		p.statusDirty = true
		p.mu.Unlock()
		return
	}
	p.statusRunning = true
	p.mu.Unlock()
	go func() {
		for {
			s.updatePodStatus(p)
			p.mu.Lock()
			if !p.statusDirty || p.terminating {
				p.statusRunning = false
				p.mu.Unlock()
				return
			}
			p.statusDirty = false
			p.mu.Unlock()
		}
	}()
}

func (c *containerState) status(now time.Time) v1.ContainerStatus {
	c.mu.Lock()
	m, startErr, started := c.main, c.startErr, c.started
	c.mu.Unlock()
	cs := v1.ContainerStatus{Name: c.name, Image: c.image, ImageID: c.image}
	switch {
	case c.kind == initContainer:
		// Init containers are not run: reported as completed.
		cs.State.Terminated = &v1.ContainerStateTerminated{Reason: "Completed", StartedAt: metav1.NewTime(now), FinishedAt: metav1.NewTime(now)}
	case startErr != nil:
		cs.State.Terminated = &v1.ContainerStateTerminated{
			ExitCode: 128, Reason: "StartError", Message: startErr.Error(),
			StartedAt: metav1.NewTime(started), FinishedAt: metav1.NewTime(started),
		}
	case m == nil:
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
	default:
		cs.ContainerID = fmt.Sprintf("kubeset://%d", m.group.pgid)
		select {
		case <-m.done:
			reason := "Completed"
			if m.exitCode != 0 {
				reason = "Error"
			}
			cs.State.Terminated = &v1.ContainerStateTerminated{
				ExitCode: int32(m.exitCode), Reason: reason, ContainerID: cs.ContainerID,
				StartedAt: metav1.NewTime(m.startedAt), FinishedAt: metav1.NewTime(m.finishedAt),
			}
		default:
			cs.State.Running = &v1.ContainerStateRunning{StartedAt: metav1.NewTime(m.startedAt)}
			cs.Ready = true
		}
	}
	started2 := cs.State.Running != nil
	cs.Started = &started2
	return cs
}

func setPodCondition(st *v1.PodStatus, t v1.PodConditionType, ok bool, now metav1.Time) {
	status := v1.ConditionFalse
	if ok {
		status = v1.ConditionTrue
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type == t {
			if c.Status != status {
				c.Status, c.LastTransitionTime = status, now
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, v1.PodCondition{Type: t, Status: status, LastTransitionTime: now})
}

// updatePodStatus writes the pod's status as its processes are: phase
// Running while a main process runs, then Succeeded (all exited 0) or
// Failed; container statuses; the node's IP as host and pod IP.
func (s *standin) updatePodStatus(p *podState) {
	for attempt := 0; attempt < statusAttempts; attempt++ {
		ctx, cancel := context.WithTimeout(s.ctx, apiTimeout)
		pod, err := s.client.CoreV1().Pods(p.namespace).Get(ctx, p.name, metav1.GetOptions{})
		if err != nil || pod.UID != p.uid || pod.DeletionTimestamp != nil {
			cancel()
			return
		}
		now := time.Now()
		mnow := metav1.NewTime(now)
		st := &pod.Status
		st.HostIP, st.HostIPs = s.opts.nodeIP, []v1.HostIP{{IP: s.opts.nodeIP}}
		st.PodIP, st.PodIPs = s.opts.nodeIP, []v1.PodIP{{IP: s.opts.nodeIP}}
		if st.StartTime == nil {
			st.StartTime = &metav1.Time{Time: p.created}
		}
		collect := func(names []string) []v1.ContainerStatus {
			out := make([]v1.ContainerStatus, 0, len(names))
			for _, name := range names {
				if c := p.container(name); c != nil {
					out = append(out, c.status(now))
				}
			}
			return out
		}
		var initNames, names, ephemeralNames []string
		for _, c := range pod.Spec.InitContainers {
			initNames = append(initNames, c.Name)
		}
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		for _, c := range pod.Spec.EphemeralContainers {
			ephemeralNames = append(ephemeralNames, c.Name)
		}
		st.InitContainerStatuses = collect(initNames)
		st.ContainerStatuses = collect(names)
		st.EphemeralContainerStatuses = collect(ephemeralNames)
		running, failed, ready := 0, 0, 0
		for _, cs := range st.ContainerStatuses {
			switch {
			case cs.State.Running != nil:
				running++
				ready++
			case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
				failed++
			}
		}
		terminated := 0
		for _, cs := range st.ContainerStatuses {
			if cs.State.Terminated != nil {
				terminated++
			}
		}
		switch {
		case running > 0:
			st.Phase = v1.PodRunning
		case terminated == len(st.ContainerStatuses) && failed > 0:
			st.Phase = v1.PodFailed
		case terminated == len(st.ContainerStatuses) && terminated > 0:
			st.Phase = v1.PodSucceeded
		default:
			st.Phase = v1.PodPending
		}
		allReady := ready == len(st.ContainerStatuses) && ready > 0
		setPodCondition(st, v1.PodReadyToStartContainers, true, mnow)
		setPodCondition(st, v1.PodInitialized, true, mnow)
		setPodCondition(st, v1.ContainersReady, allReady, mnow)
		setPodCondition(st, v1.PodReady, allReady, mnow)
		setPodCondition(st, v1.PodScheduled, true, mnow)
		_, err = s.client.CoreV1().Pods(p.namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		cancel()
		if err == nil || !apierrors.IsConflict(err) {
			if err != nil {
				klog.ErrorS(err, "updating pod status", "pod", p.key())
			}
			return
		}
	}
}
